import t from 'tap';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

// The committed JSON Schemas must be what documents.ts generates (scripts/check-contract.mjs).
t.test('packages/core/schema is up to date with documents.ts', async (t) => {
  const script = fileURLToPath(new URL('../../../scripts/check-contract.mjs', import.meta.url));
  const r = await execa('node', [script], { reject: false });
  t.equal(r.exitCode, 0, r.stderr);
});
