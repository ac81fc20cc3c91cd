import t from 'tap';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../scripts/check-contract.mjs', import.meta.url));

// The committed JSON Schemas must be what documents.ts generates, and every kind the
// packages' source builds must have one (scripts/check-contract.mjs).
t.test('packages/core/schema is up to date and every kind built in the source has a schema', async (t) => {
  const r = await execa('node', [script], { reject: false });
  t.equal(r.exitCode, 0, r.stderr);
});

t.test('a document kind without a schema fails the check, naming the file and line', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'iwp-contract-'));
  t.teardown(() => execa('rm', ['-rf', root]));
  await mkdir(join(root, 'packages/x/src/commands'), { recursive: true });
  await writeFile(join(root, 'packages/x/src/commands/w.ts'), [
    "import { API_VERSION, doc, list } from '@iwp/core';",
    "export const ok = doc('Lock', { stack: 's', id: '1', who: 'me', created: '' });",
    "export const k8s = { apiVersion: 'v1', kind: 'ConfigMap' };",
    'export const w = () => ({',
    '  apiVersion: API_VERSION,',
    "  kind: 'Widget',",
    '});',
    "export const l = list('Gadget' as never, []);",
  ].join('\n'));
  const r = await execa('node', [script, '--src', root], { reject: false });
  t.equal(r.exitCode, 1);
  t.match(r.stderr, 'packages/x/src/commands/w.ts:6: kind Widget has no schema');
  t.match(r.stderr, 'packages/x/src/commands/w.ts:8: kind Gadget has no schema');
  t.notMatch(r.stderr, /ConfigMap|Lock/);
});
