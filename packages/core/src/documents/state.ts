import { Type, type Static } from '@sinclair/typebox';
import { Count, header, JsonChange, open, Time } from './common.js';

/** remote-state: stacks, their state, versions, diffs and locks; the backend check. */
const LockFields = {
  stack: Type.String(),
  id: Type.String(),
  who: Type.String(),
  reason: Type.Optional(Type.String()),
  pid: Type.Optional(Type.Integer()),
  created: Time,
  expires: Type.Optional(Time),
  /** lease length; an unrenewed lock expires `ttlMs` after its last renewal */
  ttlMs: Type.Optional(Type.Integer({ minimum: 0 })),
  expired: Type.Optional(Type.Boolean()),
};
export const Lock = Type.Object({ ...header('Lock'), ...LockFields }, open);
export type Lock = Static<typeof Lock>;

export const StateInfo = Type.Object(
  {
    ...header('StateInfo'),
    stack: Type.String(),
    store: Type.String(),
    version: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    etag: Type.Optional(Type.String()),
    updatedBy: Type.Optional(Type.String()),
    updatedAt: Type.Optional(Time),
    lock: Type.Optional(Type.Union([Type.Object(LockFields, open), Type.Null()])),
    /** how the state is encrypted at rest: `kms:KEY_ID` (SSE-KMS) and/or `age:RECIPIENT` */
    encryption: Type.Optional(Type.Array(Type.String())),
  },
  open,
);
export type StateInfo = Static<typeof StateInfo>;

/** `remote-state check-backend`: whether the store honours the conditional writes locking needs. */
export const BackendCheck = Type.Object(
  {
    ...header('BackendCheck'),
    store: Type.String(),
    ok: Type.Boolean(),
    /** two racing `If-None-Match: *` creates: exactly one may win */
    conditionalCreate: Type.Boolean(),
    /** `If-Match` with a stale ETag is refused on PutObject */
    conditionalReplace: Type.Boolean(),
    /** `If-Match` with a stale ETag is refused on DeleteObject */
    conditionalDelete: Type.Boolean(),
    checkedAt: Time,
  },
  open,
);
export type BackendCheck = Static<typeof BackendCheck>;

/** `remote-state diff`: the stored state (at `version`) to the given one, as JSON Patch operations. */
export const StateDiff = Type.Object(
  {
    ...header('StateDiff'),
    stack: Type.String(),
    version: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    identical: Type.Boolean(),
    changes: Type.Array(JsonChange),
  },
  open,
);
export type StateDiff = Static<typeof StateDiff>;

/** An item of `remote-state history` (a StateVersionList). */
export const StateVersion = Type.Object(
  { ...header('StateVersion'), stack: Type.String(), version: Type.Integer({ minimum: 0 }), size: Count, modified: Time },
  open,
);
export type StateVersion = Static<typeof StateVersion>;

/**
 * `remote-state prune`: the history entries that never became versions (pushes killed between
 * their entry and their commit, never run again), deleted, or only listed with `--dry-run`.
 */
export const StatePrune = Type.Object(
  {
    ...header('StatePrune'),
    stack: Type.String(),
    store: Type.String(),
    /** the current version when the entries were listed; entries above it are pushes in progress, kept */
    version: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    /** entries that are versions, kept */
    versions: Count,
    /** store keys of the entries deleted (or that would be, with `dryRun`) */
    deleted: Type.Array(Type.String()),
    dryRun: Type.Boolean(),
  },
  open,
);
export type StatePrune = Static<typeof StatePrune>;

/** What every version of a stack records about itself, whichever layout holds it. */
const VersionFields = {
  stack: Type.String(),
  version: Type.Integer({ minimum: 0 }),
  updatedBy: Type.String(),
  updatedAt: Time,
  /** hex SHA-256 of the bytes pull gives back (of the ciphertext when age-encrypted) */
  sha256: Type.String({ pattern: '^[a-f0-9]{64}$' }),
  size: Count,
  encoding: Type.Union([Type.Literal('json'), Type.Literal('base64')]),
  encryption: Type.Optional(Type.Object({ kms: Type.Optional(Type.String()), age: Type.Optional(Type.Array(Type.String())) }, open)),
  /** random id of the write that made this version */
  writeId: Type.Optional(Type.String()),
};

/** What a stack's history/<version>.json holds (and state.json in the older layout): the state with its version and writer. */
export const StackState = Type.Object(
  {
    ...header('StackState'),
    ...VersionFields,
    state: Type.Optional(Type.Unknown()),
    data: Type.Optional(Type.String()),
    /** base64 of the age file of the state's bytes */
    ciphertext: Type.Optional(Type.String()),
  },
  open,
);
export type StackState = Static<typeof StackState>;

/**
 * What a stack's state.json holds in the pointer layout: a StackState's metadata without the
 * state, and `body`, the key (relative to the stack) of the envelope the version's state is in.
 */
export const StatePointer = Type.Object({ ...header('StatePointer'), ...VersionFields, body: Type.String({ minLength: 1 }) }, open);
export type StatePointer = Static<typeof StatePointer>;

/**
 * What a stack's state.json holds in the versions layout, where each version is its own
 * object (`versions/…`): a marker, under a kind clients of older layouts refuse, naming the
 * last version written in an older layout (a StatePointer's fields and `body`), or none
 * (`version` 0, no `body`).
 */
export const StateMoved = Type.Object(
  { ...header('StateMoved'), stack: Type.String(), version: Type.Integer({ minimum: 0 }), body: Type.Optional(Type.String({ minLength: 1 })) },
  open,
);
export type StateMoved = Static<typeof StateMoved>;

/** What a stack's stack.json holds, written by `remote-state init`. */
export const Stack = Type.Object(
  {
    ...header('Stack'),
    name: Type.String({ minLength: 1 }),
    createdBy: Type.String(),
    created: Time,
    /** `--encrypt` values the stack was created (or re-keyed) with */
    encryption: Type.Optional(Type.Array(Type.String())),
  },
  open,
);
export type Stack = Static<typeof Stack>;
