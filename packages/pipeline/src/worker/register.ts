import { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { register as registerTsx } from 'tsx/esm/api';
import { register as registerTsxCjs } from 'tsx/cjs/api';

/**
 * Loaded with `node --import` before the worker: TypeScript scripts through tsx (ESM and
 * CommonJS), and the name `@brigadecore/brigadier` bound to iwp's implementation for both
 * `import` (a resolve hook) and `require` (CommonJS resolution, which the ESM hooks of
 * Node 20 do not see).
 */
const BRIGADIER = '@brigadecore/brigadier';
const target = new URL('../brigadier/index.js', import.meta.url).href;

register(new URL('./hooks.js', import.meta.url).href, import.meta.url, { data: { target } });
registerTsx();
registerTsxCjs();

const Module = createRequire(import.meta.url)('node:module') as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = Module._resolveFilename;
const targetPath = fileURLToPath(target);
Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  if (request === BRIGADIER || request.startsWith(`${BRIGADIER}/`)) return targetPath;
  return original.call(this, request, ...rest);
};
