// put(..., { after }): the write is made ready at once and takes effect only once `after` is
// fulfilled (remote-state prepares its commit while the history entry goes up). Rejected:
// nothing is written and put fails with that very reason.
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore, makeS3Client, S3Store, type ObjectStore } from '../src/index.js';
import { needsS3, tempDir, testBucket } from '../src/testing.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

async function gated(t: Tap.Test, store: ObjectStore, steps?: string[]): Promise<void> {
  const { etag } = await store.put('state.json', '{"v":1}');
  if (steps) steps.length = 0;
  const gate = deferred();
  const put = store.put('state.json', '{"v":2}', { ifMatch: etag }, { after: gate.promise });
  for (let i = 0; i < 5; i++) t.equal((await store.get('state.json'))?.body.toString(), '{"v":1}', 'not written while the gate is closed');
  if (steps) {
    t.ok(steps.includes('serialize'), 'the request was serialized before the gate opened');
    t.notOk(steps.includes('finalizeRequest'), 'and neither signed nor sent');
  }
  gate.resolve();
  const out = await put;
  const got = await store.get('state.json');
  t.equal(got?.body.toString(), '{"v":2}', 'written once the gate opened');
  t.equal(got?.etag, out.etag);

  const shut = deferred();
  const why = new Error('the entry did not land');
  const refused = store.put('state.json', '{"v":3}', { ifMatch: out.etag }, { after: shut.promise });
  shut.reject(why);
  await refused.then(
    () => t.fail('a put behind a rejected gate resolved'),
    (err: unknown) => t.equal(err, why, 'the gate\'s own reason, untranslated'),
  );
  t.equal((await store.get('state.json'))?.body.toString(), '{"v":2}', 'nothing written behind a rejected gate');
}

t.test('S3: prepared at once, sent once the gate opens, never behind a rejected one', { skip: needsS3 }, async (t) => {
  const s3 = makeS3Client({});
  const steps: string[] = [];
  for (const step of ['serialize', 'finalizeRequest'] as const) {
    s3.middlewareStack.add((next, ctx) => (args) => {
      if (ctx.commandName === 'PutObjectCommand') steps.push(step);
      return next(args);
    }, { step, priority: 'low', name: `watch-${step}` });
  }
  const store = new S3Store(s3, { bucket: await testBucket('after'), prefix: 'p' });
  await gated(t, store, steps);
});

// With the body's SHA-256 known (remote-state's create), the request goes at once but for its
// last byte: S3 stores an object only when its whole body has come.
t.test('S3, hash known: sent at once but for its last byte, which goes once the gate opens; aborted behind a rejected one', { skip: needsS3 }, async (t) => {
  const s3 = makeS3Client({});
  const sent: string[] = [];
  s3.middlewareStack.add((next, ctx) => (args) => {
    if (ctx.commandName === 'PutObjectCommand') sent.push(String((args.input as { Key?: string }).Key));
    return next(args);
  }, { step: 'finalizeRequest', priority: 'low', name: 'watch-sent' });
  const store = new S3Store(s3, { bucket: await testBucket('held'), prefix: 'p' });
  const body = randomBytes(3 * 1024 * 1024);
  const contentSha256 = createHash('sha256').update(body).digest('hex');
  const warned: unknown[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warned.push(args);
  t.teardown(() => void (console.warn = warn));

  const gate = deferred();
  const put = store.put('v1.json', body, { ifNoneMatch: '*' }, { contentSha256, after: gate.promise });
  await new Promise((r) => setTimeout(r, 300));
  t.same(sent, ['p/v1.json'], 'signed and sent before the gate opened');
  t.equal(await store.head('v1.json'), undefined, 'not stored while its last byte is held');
  gate.resolve();
  const out = await put;
  const got = await store.get('v1.json');
  t.ok(got?.body.equals(body), 'stored whole once the gate opened');
  t.equal(got?.etag, out.etag);

  sent.length = 0;
  const shut = deferred();
  const why = new Error('someone else holds the lock');
  const refused = store.put('v2.json', body, { ifNoneMatch: '*' }, { contentSha256, after: shut.promise });
  await new Promise((r) => setTimeout(r, 300));
  t.same(sent, ['p/v2.json'], 'on the wire before the gate is rejected');
  shut.reject(why);
  await refused.then(
    () => t.fail('a put behind a rejected gate resolved'),
    (err: unknown) => t.equal(err, why, 'the gate\'s own reason, untranslated'),
  );
  t.same(sent, ['p/v2.json'], 'not sent again');
  t.equal(await store.head('v2.json'), undefined, 'nothing stored: the request was aborted before its last byte');
  t.same(warned, [], 'nothing on the console');
});

t.test('file://: written to a temp file at once, renamed once the gate opens; none left behind a rejected one', async (t) => {
  const dir = join(await tempDir(t), 'store');
  await gated(t, new FileStore(dir));
  t.same((await readdir(dir)).sort(), ['state.json'], 'no temp file left');
});
