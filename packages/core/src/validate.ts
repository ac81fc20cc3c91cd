import { Value } from '@sinclair/typebox/value';
import { API_VERSION, schemas, type DocumentOf, type Kind } from './documents.js';
import { ErrorCode, IwpError } from './errors.js';

/** `/layers/0/digest` -> `layers[0].digest` */
function fieldName(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
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
    const consts = (first.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf?.map((s) => s.const);
    const what = consts && consts.every((c) => c !== undefined)
      ? `expected one of ${consts.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(first.value ?? null)}`
      : first.message.replace(/^Expected/, 'expected');
    throw new IwpError(ErrorCode.BAD_DOCUMENT, `${source}: ${kind}.${field}: ${what}`, {
      details: { field, kind, got: first.value === undefined ? null : first.value },
    });
  }
  return value as DocumentOf<K>;
}
