import t from 'tap';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, writeFileAtomic } from '../src/files.js';
import { parseS3Url, s3Key } from '../src/aws.js';

t.test('writeFileAtomic leaves no temp file and sets the mode', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-core-'));
  const file = join(dir, 'sub', 'key');
  await writeFileAtomic(file, 'secret', { mode: 0o600 });
  await writeFileAtomic(file, 'secret2', { mode: 0o600 });
  t.equal(await readFile(file, 'utf8'), 'secret2');
  t.equal((await stat(file)).mode & 0o777, 0o600);
  t.same(await readdir(join(dir, 'sub')), ['key']);
});

t.test('cacheDir follows XDG_CACHE_HOME', async (t) => {
  const old = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = '/tmp/xdg';
  t.equal(cacheDir('nix-image', 'layers'), '/tmp/xdg/iwp/nix-image/layers');
  if (old === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = old;
});

t.test('parseS3Url reads bucket, prefix, region and endpoint', async (t) => {
  t.same(parseS3Url('s3://my-bucket', '--store'), { bucket: 'my-bucket', prefix: '' });
  t.same(parseS3Url('s3://my-bucket/a/b/?region=eu-west-1&endpoint=http://127.0.0.1:9000', '--store'), {
    bucket: 'my-bucket', prefix: 'a/b', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000',
  });
  t.equal(s3Key(parseS3Url('s3://b-1/p', 'x'), 'nix-cache-info'), 'p/nix-cache-info');
  t.equal(s3Key(parseS3Url('s3://b-1', 'x'), 'nix-cache-info'), 'nix-cache-info');
  t.throws(() => parseS3Url('file:///x', '--to'), { exitCode: 2, message: /^--to: expected an s3:\/\/ URL/ });
  t.throws(() => parseS3Url('s3://A_B', '--to'), { exitCode: 2, message: /bucket/ });
});
