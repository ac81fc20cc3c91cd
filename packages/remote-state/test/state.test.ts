import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bucket, needsS3, tempDir, workspace } from './helpers.js';

const stores = async (t: Tap.Test) => [`s3://${await bucket('state')}/envs`, `file://${await tempDir(t, 'iwp-rs-store-')}`];
type Tap = { Test: typeof t };
declare namespace Tap { type Test = typeof t }

t.test('push, pull, diff, history, rollback and hooks, on S3 and on a directory', { skip: needsS3 }, async (t) => {
  for (const store of await stores(t)) {
    await t.test(store.split(':')[0]!, async (t) => {
      const a = await workspace(t, store);
      const init = await a.json(['init']);
      t.match(init, { kind: 'StateInfo', stack: 'web', store, version: null, lock: null });
      t.equal((await a.run(['has-state'])).exitCode, 4, 'no state yet: exit 4');

      await writeFile(join(a.dir, 's.json'), '{"replicas": 1, "images": ["web:1"]}');
      const v1 = await a.json(['push', 's.json']);
      t.match(v1, { kind: 'StateInfo', version: 1, updatedBy: /@/, encoding: 'json' });
      t.equal((await a.run(['has-state'])).exitCode, 0);

      // another user pushes on top of version 1 after pulling it
      const b = await workspace(t, store);
      t.equal(String((await b.run(['pull'])).stdout), '{\n  "replicas": 1,\n  "images": [\n    "web:1"\n  ]\n}\n', 'pull prints the state');
      await writeFile(join(b.dir, 's.json'), '{"replicas": 3, "images": ["web:1", "web:2"]}');
      t.match(await b.json(['push', 's.json']), { version: 2 });

      // a is still based on version 1: its push loses, nothing is written
      await writeFile(join(a.dir, 's.json'), '{"replicas": 5}');
      const lost = await a.run(['push', 's.json']);
      t.equal(lost.exitCode, 3, 'a stale push exits 3');
      t.match(JSON.parse(String(lost.stdout)), { kind: 'Error', code: 'CAS_LOST' });
      t.match(await a.json(['status']), { version: 2 });

      const diff = await a.json(['diff', 's.json']);
      t.same(diff.changes, [
        { op: 'remove', path: '/images', old: ['web:1', 'web:2'] },
        { op: 'replace', path: '/replicas', old: 3, new: 5 },
      ]);
      t.equal((await a.json(['diff', '--from', 'echo \'{"replicas":3,"images":["web:1","web:2"]}\''])).identical, true);

      const hist = (await a.json(['history'])).items as Array<{ version: number }>;
      t.same(hist.map((h) => h.version), [1, 2]);
      const old = await a.run(['pull', '--version', '1']);
      t.match(JSON.parse(String(old.stdout)), { replicas: 1 });

      const rb = await a.json(['rollback', '--to', '1']);
      t.match(rb, { version: 3 });
      t.same(JSON.parse(String((await a.run(['pull'])).stdout)), { replicas: 1, images: ['web:1'] }, 'rollback made version 3 equal to 1');
      t.same(((await a.json(['history'])).items as Array<{ version: number }>).map((h) => h.version), [1, 2, 3], 'history is never rewritten');
      t.match(await a.json(['prune', '--dry-run']), { kind: 'StatePrune', version: 3, versions: 3, deleted: [], dryRun: true }, 'prune: the lost push left no entry behind');

      // hooks: encrypt before upload, decrypt after download (base64 stands in for age/sops)
      await writeFile(join(a.dir, 'secret.json'), '{"token": "s3cr3t"}');
      t.match(await a.json(['push', 'secret.json', '--before-upload', 'base64 -w0']), { version: 4, encoding: 'base64' });
      const plain = await a.run(['pull', '--after-download', 'base64 -d']);
      t.same(JSON.parse(String(plain.stdout)), { token: 's3cr3t' });
      const cipher = await a.run(['pull']);
      t.equal(String(cipher.stdout), Buffer.from('{\n  "token": "s3cr3t"\n}\n').toString('base64'), 'stored bytes are the hook output');

      // pull --to writes the file and prints StateInfo; --force pushes over any version
      const info = await b.json(['pull', '--to', 'out.bin']);
      t.match(info, { kind: 'StateInfo', version: 4 });
      t.ok((await readFile(join(b.dir, 'out.bin'))).length > 0);
      t.match(await a.json(['push', '--from', 'echo \'{"replicas":7}\'', '--force']), { version: 5 });
      t.match(await b.json(['push', '--expect-version', '5', '--from', 'echo \'{"replicas":8}\'']), { version: 6 });
      t.equal((await b.run(['push', '--expect-version', '5', '--from', 'echo {}'])).exitCode, 3, '--expect-version of an old version exits 3');
    });
  }
});

t.test('import stores the output of --from and feeds the stored state to --to', { skip: needsS3 }, async (t) => {
  const store = `s3://${await bucket('import')}`;
  const w = await workspace(t, store, 'legacy');
  await w.json(['init']);
  const out = join(w.dir, 'imported.json');
  const info = await w.json(['import', '--from', 'printf \'{"deployments":{"d1":{"nixExprs":["x.nix"]}}}\'', '--to', `cat > ${out}`]);
  t.match(info, { kind: 'StateInfo', stack: 'legacy', version: 1 });
  t.same(JSON.parse(await readFile(out, 'utf8')), { deployments: { d1: { nixExprs: ['x.nix'] } } });
  const again = await w.run(['import', '--from', 'echo {}']);
  t.equal(again.exitCode, 3, 'a stack with state is not overwritten without --force');
  t.match(await w.json(['status']), { version: 1 });
});
