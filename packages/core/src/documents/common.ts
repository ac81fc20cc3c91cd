import { Type, type Static } from '@sinclair/typebox';

/** The pieces every document schema is made of. */
export const API_VERSION = 'iwp/v1' as const;

export const header = <K extends string>(kind: K) => ({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(kind),
});
export const open = { additionalProperties: true } as const;

export const Digest = Type.String({ pattern: '^sha256:[a-f0-9]{64}$', description: 'content digest' });
export type Digest = Static<typeof Digest>;
export const StorePath = Type.String({ pattern: '^/nix/store/[0-9a-df-np-sv-z]{32}-.+$', description: 'Nix store path' });
export type StorePath = Static<typeof StorePath>;
export const Count = Type.Integer({ minimum: 0 });
export const Time = Type.String({ description: 'RFC 3339 time' });

/** One structural change, as a JSON Patch (RFC 6902) operation that also keeps the old value. */
export const JsonChange = Type.Object(
  {
    op: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('replace')]),
    path: Type.String({ description: 'JSON Pointer (RFC 6901)' }),
    old: Type.Optional(Type.Unknown()),
    new: Type.Optional(Type.Unknown()),
  },
  open,
);
