import type { Static, TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { API_VERSION, schemas, type DocumentOf, type Kind } from './documents.js';
import { badInput, ErrorCode, IwpError } from './errors.js';

const segments = (pointer: string) => pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));

/** `/layers/0/digest` -> `layers[0].digest` */
function fieldName(pointer: string): string {
  return segments(pointer).reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** A union of constants (`Type.Union([Type.Literal('a'), ...])`): its values, else undefined. */
function constants(e: ValueError): unknown[] | undefined {
  const consts = (e.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf?.map((s) => s.const);
  return consts && consts.every((c) => c !== undefined) ? consts : undefined;
}

/**
 * Checks a value that is not a document (a descriptor's entry, a config file) against a
 * TypeBox schema, returning it typed. The first bad field is bad input (exit 2) named
 * `<source>: <at><field>` (`-f x.nix: services.web.scale.min`, `at` being where the value sits
 * in what `source` holds, `services.web`; none for the whole): an unknown key expects one of the
 * keys the object has, a union of constants one of them; otherwise what the failing schema's
 * `description` says (write it as the message's "expected ..."), else TypeBox's own words.
 */
export function validateValue<T extends TSchema>(schema: T, value: unknown, source: string, at = ''): Static<T> {
  const first = Value.Errors(schema, value).First();
  if (!first) return value as Static<T>;
  const path = fieldName(first.path);
  const where = at && path ? `${at}${path.startsWith('[') ? '' : '.'}${path}` : at || path;
  const field = where ? `${source}: ${where}` : source;
  if (first.type === ValueErrorType.ObjectAdditionalProperties) {
    const keys = Object.keys((first.schema as { properties?: object }).properties ?? {});
    throw badInput(field, `one of ${keys.join(', ')}`, segments(first.path).pop());
  }
  const consts = constants(first);
  const expected = consts ? `one of ${consts.map((c) => JSON.stringify(c)).join(', ')}` : first.schema.description ?? first.message.replace(/^Expected /, '');
  throw badInput(field, expected, first.value);
}

/**
 * Checks a parsed value against the schema of one of `accept`, naming the first bad field.
 * `source` says where the document came from (`stdin`, `--input x.json`) for the message.
 */
export function validateDocument<K extends Kind>(value: unknown, accept: readonly K[], source: string): DocumentOf<K> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IwpError(ErrorCode.BAD_DOCUMENT, `${source}: expected a JSON object with apiVersion and kind`);
  }
  const obj = value as Record<string, unknown>;
  if (obj.apiVersion !== API_VERSION) {
    throw new IwpError(ErrorCode.BAD_DOCUMENT, `${source}: apiVersion: expected "${API_VERSION}", got ${JSON.stringify(obj.apiVersion ?? null)}`, {
      details: { field: 'apiVersion' },
    });
  }
  const kind = obj.kind;
  if (typeof kind !== 'string' || !(accept as readonly string[]).includes(kind)) {
    throw new IwpError(ErrorCode.WRONG_KIND, `${source}: kind: expected ${accept.join(' or ')}, got ${JSON.stringify(kind ?? null)}`, {
      details: { field: 'kind', expected: accept, got: kind ?? null },
    });
  }
  const schema = schemas[kind as K];
  const first = Value.Errors(schema, value).First();
  if (first) {
    const field = fieldName(first.path) || '(document)';
    const consts = constants(first);
    const what = consts
      ? `expected one of ${consts.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(first.value ?? null)}`
      : first.message.replace(/^Expected/, 'expected');
    throw new IwpError(ErrorCode.BAD_DOCUMENT, `${source}: ${kind}.${field}: ${what}`, {
      details: { field, kind, got: first.value === undefined ? null : first.value },
    });
  }
  return value as DocumentOf<K>;
}
