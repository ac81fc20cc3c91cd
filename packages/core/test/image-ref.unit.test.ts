import t from 'tap';
import { formatImageRef, isLoopbackRegistry, parseImageRef, pullReference } from '../src/image-ref.js';

const digest = `sha256:${'a'.repeat(64)}`;

t.test('a registry is required unless a default is given (nix-image pushes, never guesses)', async (t) => {
  const cases: Array<[string, object]> = [
    ['127.0.0.1:5000/hello:latest', { registry: '127.0.0.1:5000', repository: 'hello', tag: 'latest' }],
    ['localhost/a/b', { registry: 'localhost', repository: 'a/b' }],
    ['reg/x', { registry: 'reg', repository: 'x' }],
    [`[::1]:5000/x:1@${digest}`, { registry: '[::1]:5000', repository: 'x', tag: '1', digest }],
    ['ghcr.io/o/web-app__v2:v1.2', { registry: 'ghcr.io', repository: 'o/web-app__v2', tag: 'v1.2' }],
  ];
  for (const [ref, want] of cases) {
    t.same(parseImageRef(ref, { field: 'REF' }), want, ref);
    t.equal(formatImageRef(parseImageRef(ref)), ref, `${ref} round-trips`);
  }
  for (const bad of ['hello', 'hello:1', '127.0.0.1:5000/Upper', 'h/x:', `h/x@sha256:abc`, '/x', 'h/-x']) {
    t.throws(() => parseImageRef(bad, { field: '--push' }), { code: 'BAD_INPUT', exitCode: 2, message: /^--push: expected HOST\[:PORT\]\/REPOSITORY\[:TAG\]\[@sha256:DIGEST\], got/ }, bad);
  }
});

t.test('with a default registry, references read as docker and skopeo read them', async (t) => {
  const docker = { defaultRegistry: 'docker.io' };
  t.same(parseImageRef('debian:12', docker), { registry: 'docker.io', repository: 'library/debian', tag: '12' });
  t.same(parseImageRef('acme/web', docker), { registry: 'docker.io', repository: 'acme/web' });
  t.same(parseImageRef('127.0.0.1:5000/a/b:1', docker), { registry: '127.0.0.1:5000', repository: 'a/b', tag: '1' });
  t.same(parseImageRef(`localhost/x@${digest}`, docker), { registry: 'localhost', repository: 'x', digest });
  t.same(parseImageRef('a/b/c', { defaultRegistry: 'registry.example' }), { registry: 'registry.example', repository: 'a/b/c' });
  t.throws(() => parseImageRef('UPPER/case', docker), { code: 'BAD_INPUT', message: 'image: expected an image reference such as 127.0.0.1:5000/repo:tag, got "UPPER/case"' });
});

t.test('pull references and loopback registries', async (t) => {
  t.equal(pullReference({ registry: 'docker.io', repository: 'library/debian' }), 'docker.io/library/debian:latest');
  t.equal(pullReference({ registry: 'r', repository: 'x', tag: '1', digest }), `r/x@${digest}`, 'the digest wins');
  t.equal(formatImageRef({ registry: 'r', repository: 'x' }), 'r/x', 'as written: no tag added');
  for (const r of ['127.0.0.1:5000', 'localhost', 'localhost:5000', '[::1]:5000', '127.1.2.3']) t.ok(isLoopbackRegistry(r), r);
  for (const r of ['registry.example:5000', '10.0.0.1:5000', 'localhost.example']) t.notOk(isLoopbackRegistry(r), r);
});
