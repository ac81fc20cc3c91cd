import t from 'tap';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { makeS3Client } from '@iwp/core';
import { bucket, needsS3, tempDir, workspace } from './helpers.js';

const SECRET = 'db-password-9f3c1e7a';
const s3 = () => makeS3Client({});

async function identity(dir: string, name: string) {
  const id = await generateX25519Identity();
  const file = join(dir, `${name}.key`);
  await writeFile(file, `# created by the test\n${id}\n`, { mode: 0o600 });
  return { file, recipient: await identityToRecipient(id) };
}

/** Every stored object of the stack, as bytes. */
async function storedObjects(b: string, prefix: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const list = await s3().send(new ListObjectsV2Command({ Bucket: b, Prefix: prefix }));
  for (const o of list.Contents ?? []) {
    const r = await s3().send(new GetObjectCommand({ Bucket: b, Key: o.Key! }));
    out.set(o.Key!, Buffer.from(await r.Body!.transformToByteArray()));
  }
  return out;
}

t.test('age: no plaintext stored; push, pull, diff, exec, history, rollback; a wrong key is exit 2 and changes nothing; re-keyed', { skip: needsS3 }, async (t) => {
  const keys = await tempDir(t);
  const one = await identity(keys, 'one');
  const two = await identity(keys, 'two');
  const b = await bucket('age');
  const ws = await workspace(t, `s3://${b}/stacks`, 'web');
  const withKey = (file: string) => ({ env: { REMOTE_STATE_IDENTITY: file } });
  t.equal((await ws.run(['init', '--encrypt', `age:${one.recipient}`])).exitCode, 0);
  t.equal((await ws.run(['init', '--encrypt', `age:${two.recipient}`])).exitCode, 2, 'init with another key: use rekey');

  await writeFile(join(ws.dir, 's.json'), JSON.stringify({ password: SECRET, counter: 0 }));
  const pushed = await ws.json(['push', 's.json']);
  t.match(pushed, { version: 1, encryption: [`age:${one.recipient}`] }, 'push needs only the recipient (from stack.json)');

  const pulled = await ws.run(['pull'], withKey(one.file));
  t.same(JSON.parse(String(pulled.stdout)), { password: SECRET, counter: 0 }, 'pull decrypts');
  const noKey = await ws.run(['pull']);
  t.equal(noKey.exitCode, 2, 'no identity: exit 2');
  t.match(String(noKey.stderr), /--identity: expected an age identity for age1/);
  const wrong = await ws.run(['pull', '--to', 'out.json'], withKey(two.file));
  t.equal(wrong.exitCode, 2, 'a wrong identity: exit 2');
  await t.rejects(access(join(ws.dir, 'out.json')), 'and nothing written');

  await writeFile(join(ws.dir, 'n.json'), JSON.stringify({ password: SECRET, counter: 5 }));
  const diff = await ws.json(['diff', 'n.json'], withKey(one.file));
  t.match(diff, { kind: 'StateDiff', identical: false, changes: [{ path: '/counter' }] }, 'diff decrypts');

  const inc = `const f=require('fs'),p=process.env.REMOTE_STATE_FILE;const s=JSON.parse(f.readFileSync(p,'utf8'));s.counter++;f.writeFileSync(p,JSON.stringify(s))`;
  t.equal((await ws.run(['exec', '--', process.execPath, '-e', inc], withKey(one.file))).exitCode, 0, 'exec decrypts and encrypts');
  const badExec = await ws.run(['exec', '--', process.execPath, '-e', `${inc};require('fs').writeFileSync('ran','')`], withKey(two.file));
  t.equal(badExec.exitCode, 2, 'exec with a wrong identity: exit 2');
  await t.rejects(access(join(ws.dir, 'ran')), 'the command did not run');
  t.match(await ws.json(['status']), { version: 2, lock: null }, 'nothing changed and the lock is released');

  t.equal((await ws.run(['rollback', '--to', '1'], withKey(one.file))).exitCode, 0, 'rollback decrypts and encrypts');
  t.same(JSON.parse(String((await ws.run(['pull'], withKey(one.file))).stdout)), { password: SECRET, counter: 0 });
  t.same(((await ws.json(['history'])).items as Array<{ version: number }>).map((h) => h.version), [1, 2, 3], 'history needs no key');

  const stored = await storedObjects(b, 'stacks/web/');
  // one object per version (`versions/<999999999999 - version>.<version>.json`), the marker state.json, nothing else
  t.same([...stored.keys()].sort(), ['stacks/web/stack.json', 'stacks/web/state.json', 'stacks/web/versions/999999999996.000000000003.json', 'stacks/web/versions/999999999997.000000000002.json', 'stacks/web/versions/999999999998.000000000001.json']);
  for (const [k, body] of stored) {
    t.notOk(body.includes(SECRET) || body.includes('password') || body.includes('counter'), `${k}: no plaintext`);
  }

  // re-key: the old identity reads, the new recipient writes, every version is re-encrypted
  t.equal((await ws.run(['rekey', '--encrypt', `age:${two.recipient}`], withKey(two.file))).exitCode, 2, 'rekey with a wrong identity: exit 2');
  t.same(await storedObjects(b, 'stacks/web/'), stored, 'and nothing changed');
  t.match(await ws.json(['rekey', '--encrypt', `age:${two.recipient}`], withKey(one.file)), { version: 4, rewritten: 3, encryption: [`age:${two.recipient}`] }, 'the state written again as version 4, versions 1 to 3 rewritten');
  t.equal((await ws.run(['pull'], withKey(one.file))).exitCode, 2, 'the old key no longer reads');
  for (const v of ['1', '2', '3', '4']) {
    const r = await ws.run(['pull', '--version', v], withKey(two.file));
    t.equal(r.exitCode, 0, `version ${v} reads with the new key`);
    t.match(JSON.parse(String(r.stdout)), { password: SECRET });
  }
  const after = await storedObjects(b, 'stacks/web/');
  for (const [k, body] of after) t.notOk(body.includes(SECRET), `${k}: no plaintext after rekey`);
  t.match(JSON.parse(String(after.get('stacks/web/stack.json'))), { encryption: [`age:${two.recipient}`] }, 'stack.json records the new key');
});

t.test('kms: every object written with SSE-KMS; an unknown key is exit 2; re-keyed to another key', { skip: needsS3 }, async (t) => {
  const kms = new KMSClient({});
  const key1 = (await kms.send(new CreateKeyCommand({ Description: 'iwp test 1' }))).KeyMetadata!.KeyId!;
  const key2 = (await kms.send(new CreateKeyCommand({ Description: 'iwp test 2' }))).KeyMetadata!.KeyId!;
  const b = await bucket('kms');
  const ws = await workspace(t, `s3://${b}`, 'api');
  const bad = await ws.run(['init', '--encrypt', 'kms:00000000-0000-0000-0000-000000000000']);
  t.equal(bad.exitCode, 2, 'an unknown KMS key is bad input');
  t.match(String(bad.stderr), /--encrypt: expected kms:KEY_ID of a KMS key you may use/);
  t.equal((await ws.run(['has-state'])).exitCode, 4, 'and no stack was created');

  t.match(await ws.json(['init', '--encrypt', `kms:${key1}`]), { kind: 'StateInfo' });
  await writeFile(join(ws.dir, 's.json'), '{"a":1}');
  t.match(await ws.json(['push', 's.json']), { version: 1, encryption: [`kms:${key1}`] });
  t.equal((await ws.run(['exec', '--', process.execPath, '-e', `require('fs').writeFileSync(process.env.REMOTE_STATE_FILE,'{"a":2}')`])).exitCode, 0);
  const sse = async (k: string) => {
    const h = await s3().send(new HeadObjectCommand({ Bucket: b, Key: k }));
    return { sse: h.ServerSideEncryption, key: h.SSEKMSKeyId };
  };
  const objects = [...(await storedObjects(b, 'api/')).keys()].filter((k) => k !== 'api/stack.json');
  t.equal(objects.length, 3, 'state.json and two versions');
  for (const k of objects) {
    t.same(await sse(k), { sse: 'aws:kms', key: key1 }, `${k} is SSE-KMS`);
  }
  t.match(await ws.json(['rekey', '--encrypt', `kms:${key2}`]), { version: 3, rewritten: 3, encryption: [`kms:${key2}`] });
  for (const k of [...objects, 'api/versions/999999999996.000000000003.json']) {
    t.same(await sse(k), { sse: 'aws:kms', key: key2 }, `${k} is re-keyed`);
  }
  t.same(JSON.parse(String((await ws.run(['pull'])).stdout)), { a: 2 });
});
