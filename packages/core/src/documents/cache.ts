import { Type, type Static } from '@sinclair/typebox';
import { Count, header, open, StorePath, Time } from './common.js';

/** cache-ctl: a Nix binary cache, its pushes, checks, keys, server and leases. */
export const CachePush = Type.Object(
  {
    ...header('CachePush'),
    store: Type.String(),
    paths: Count,
    uploaded: Count,
    skipped: Count,
    bytes: Count,
    seconds: Type.Number({ minimum: 0 }),
    storePaths: Type.Optional(Type.Array(Type.String())),
  },
  open,
);
export type CachePush = Static<typeof CachePush>;

export const CacheVerify = Type.Object(
  {
    ...header('CacheVerify'),
    store: Type.String(),
    checked: Count,
    ok: Count,
    failed: Type.Array(Type.Object({ storePath: Type.String(), problem: Type.String(), repaired: Type.Optional(Type.Boolean()) }, open)),
  },
  open,
);
export type CacheVerify = Static<typeof CacheVerify>;

export const CacheGC = Type.Object(
  {
    ...header('CacheGC'),
    store: Type.String(),
    dryRun: Type.Boolean(),
    kept: Count,
    deleted: Count,
    deletedNars: Type.Optional(Count),
    bytesFreed: Count,
    deletedPaths: Type.Optional(Type.Array(Type.String())),
    /** pushes in progress (live leases) whose paths and NARs were kept */
    activePushes: Type.Optional(Count),
  },
  open,
);
export type CacheGC = Static<typeof CacheGC>;

/** `cache-ctl exists`: which of the store paths asked for the cache holds. */
export const CacheExists = Type.Object(
  { ...header('CacheExists'), store: Type.String(), present: Type.Array(StorePath), missing: Type.Array(StorePath) },
  open,
);
export type CacheExists = Static<typeof CacheExists>;

/** `cache-ctl keygen`: the key files written; never the secret key itself. */
export const CacheKey = Type.Object(
  {
    ...header('CacheKey'),
    name: Type.String({ minLength: 1 }),
    publicKey: Type.String({ pattern: '^[^:\\s]+:[A-Za-z0-9+/]+=*$', description: 'name:base64(ed25519 public key)' }),
    secretKeyFile: Type.String(),
    publicKeyFile: Type.String(),
  },
  open,
);
export type CacheKey = Static<typeof CacheKey>;

/** `cache-ctl init`: the cache's nix-cache-info. */
export const BinaryCache = Type.Object(
  { ...header('BinaryCache'), store: Type.String(), storeDir: Type.String(), priority: Count, wantMassQuery: Type.Boolean() },
  open,
);
export type BinaryCache = Static<typeof BinaryCache>;

/** `cache-ctl serve`: printed once the server listens. */
export const CacheServer = Type.Object({ ...header('CacheServer'), store: Type.String(), url: Type.String() }, open);
export type CacheServer = Static<typeof CacheServer>;

/** A push or gc in progress, as written under iwp-leases/ in the cache; gc keeps what live leases list. */
export const CacheLease = Type.Object(
  {
    ...header('CacheLease'),
    role: Type.Union([Type.Literal('push'), Type.Literal('gc')]),
    id: Type.String(),
    who: Type.String(),
    pid: Type.Integer(),
    created: Time,
    expires: Time,
    ttlMs: Count,
    /** hash parts of the closure */
    paths: Type.Array(Type.String()),
    /** NAR keys it may upload */
    nars: Type.Array(Type.String()),
  },
  open,
);
export type CacheLease = Static<typeof CacheLease>;
