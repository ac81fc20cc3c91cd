import t from 'tap';
import { Readable } from 'node:stream';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION, doc, list, schemas } from '../src/documents.js';
import { readDocument } from '../src/input.js';
import { validateDocument } from '../src/validate.js';

const digest = `sha256:${'a'.repeat(64)}`;
const image = {
  apiVersion: 'iwp/v1',
  kind: 'Image',
  ref: '127.0.0.1:5000/hello:latest',
  digest,
  layers: [{ digest, diffId: digest, size: 10, storePaths: ['/nix/store/0c8zi6adkmlz9rdawv5d1g8ywhmz1v4r-hello'] }],
};

function stdinOf(text: string | undefined, isTTY = false) {
  const s = Readable.from(text === undefined ? [] : [Buffer.from(text)]) as Readable & { isTTY?: boolean };
  s.isTTY = isTTY;
  return s;
}

t.test('doc and list build contract documents', async (t) => {
  const lock = doc('Lock', { stack: 's', id: '1', who: 'me@host', created: '2026-01-01T00:00:00Z' });
  t.equal(lock.apiVersion, API_VERSION);
  t.equal(lock.kind, 'Lock');
  t.same(list('Lock', [lock]), { apiVersion: 'iwp/v1', kind: 'LockList', items: [lock] });
  t.ok(schemas.Image && schemas.Cluster && schemas.KnativeService && schemas.PipelineRun, 'every kind has a schema');
});

t.test('validation accepts good documents and names the bad field', async (t) => {
  t.same(validateDocument(image, ['Image'], 'stdin'), image);
  t.throws(() => validateDocument({ ...image, apiVersion: 'v0' }, ['Image'], 'stdin'), { exitCode: 2, message: /stdin: apiVersion: expected "iwp\/v1"/ });
  t.throws(() => validateDocument({ ...image, kind: 'Cluster' }, ['Image'], 'stdin'), { code: 'WRONG_KIND', exitCode: 2, message: 'stdin: kind: expected Image, got "Cluster"' });
  const bad = { ...image, layers: [{ ...image.layers[0], digest: 'md5:x' }] };
  t.throws(() => validateDocument(bad, ['Image'], 'stdin'), { exitCode: 2, message: /^stdin: Image\.layers\[0\]\.digest: / });
  const badProvider = { apiVersion: 'iwp/v1', kind: 'Cluster', name: 'dev', provider: 'aws', kubeconfig: '/k' };
  t.throws(() => validateDocument(badProvider, ['Cluster'], 'stdin'), { message: /Cluster\.provider: expected one of "local", "kind", "ec2", "vm", got "aws"/ });
  t.throws(() => validateDocument([1], ['Image'], 'stdin'), { exitCode: 2, message: /expected a JSON object/ });
  t.same(validateDocument({ ...image, extra: { future: true } }, ['Image', 'Cluster'], 'stdin').kind, 'Image', 'unknown fields are kept (extend, never break)');
});

t.test('readDocument reads stdin when it is not a TTY', async (t) => {
  t.same(await readDocument({ accept: ['Image'], stdin: stdinOf(JSON.stringify(image)) }), image);
  t.equal(await readDocument({ accept: ['Image'], stdin: stdinOf(JSON.stringify(image), true) }), undefined, 'a TTY is not read');
  t.equal(await readDocument({ accept: ['Image'], stdin: stdinOf('') }), undefined, 'empty stdin is no document');
  await t.rejects(readDocument({ accept: ['Image'], stdin: stdinOf(''), required: true }), { exitCode: 2, message: /expected a Image document/ });
  await t.rejects(readDocument({ accept: ['Image'], stdin: stdinOf('{"apiVersion":') }), { code: 'BAD_DOCUMENT', exitCode: 2, message: /^stdin: malformed JSON/ });
});

t.test('readDocument reads --input FILE and names a missing file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-core-'));
  const file = join(dir, 'image.json');
  await writeFile(file, JSON.stringify(image));
  t.same(await readDocument({ accept: ['Image'], inputFile: file, stdin: stdinOf('ignored') }), image);
  await t.rejects(readDocument({ accept: ['Image'], inputFile: join(dir, 'nope.json') }), { exitCode: 2, message: /--input: cannot read .*nope\.json: no such file/ });
  await writeFile(file, '{"apiVersion":"iwp/v1","kind":"Lock"}');
  await t.rejects(readDocument({ accept: ['Image'], inputFile: file }), { message: /--input .*image\.json: kind: expected Image, got "Lock"/ });
});
