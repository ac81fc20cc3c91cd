// The AWS SDK modules core uses, loaded on first use. scripts/build-cli.mjs bundles what core
// takes of them (AWS_SDK_CHUNK) into one CommonJS file beside this module
// (dist/.startup/aws-sdk.cjs) with V8's code cache of it, made after a client has signed and
// sent requests: loading the SDK and its first request then take ~30 ms instead of ~100 ms
// (Node 20 caches no compiled code for node_modules). While what the chunk was built from is
// unchanged (aws-sdk.json: modification times of the lockfile, core's package.json,
// build-cli.mjs and this module's build), the tools and the tests alike use it; otherwise the
// SDK comes from node_modules.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/**
 * What the chunk holds of each module: only these names, taken from the SDK's ES modules, so
 * the bundler leaves out the rest: client-s3's other commands and their code. The chunk is
 * 1.1 MB instead of 1.5 MB, and it loads and sends its first request in ~30 ms instead of
 * ~50 ms (33-37 ms of CPU instead of 47-58).
 * `awsSdk` is typed to these names: a name core starts to use must be added here.
 */
export const AWS_SDK_CHUNK = {
  '@aws-sdk/client-s3': [
    'S3Client',
    'GetObjectCommand',
    'HeadObjectCommand',
    'PutObjectCommand',
    'DeleteObjectCommand',
    'CopyObjectCommand',
    'ListObjectsV2Command',
    'HeadBucketCommand',
    'CreateBucketCommand',
  ],
  '@aws-sdk/lib-storage': ['Upload'],
} as const;

type Held<K extends keyof typeof AWS_SDK_CHUNK> = (typeof AWS_SDK_CHUNK)[K][number];
export interface AwsSdk {
  '@aws-sdk/client-s3': Pick<typeof import('@aws-sdk/client-s3'), Held<'@aws-sdk/client-s3'>>;
  '@aws-sdk/lib-storage': Pick<typeof import('@aws-sdk/lib-storage'), Held<'@aws-sdk/lib-storage'>>;
}

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let chunk: Partial<AwsSdk> | undefined;

/** An SDK module: from the code-cached chunk when it is fresh, else from node_modules. */
export function awsSdk<K extends keyof AwsSdk>(name: K): AwsSdk[K] {
  chunk ??= freshChunk() ?? {};
  return (chunk[name] ?? require(name)) as AwsSdk[K];
}

/** The chunk's files under a package root (core's own: `dist/..`). */
export function awsSdkChunkFiles(root = join(here, '..')) {
  const dir = join(root, 'dist', '.startup');
  return { dir, code: join(dir, 'aws-sdk.cjs'), cache: join(dir, 'aws-sdk.cjs.v8cache'), info: join(dir, 'aws-sdk.json') };
}

function freshChunk(): Partial<AwsSdk> | undefined {
  const root = join(here, '..');
  const files = awsSdkChunkFiles(root);
  try {
    const { inputs } = JSON.parse(readFileSync(files.info, 'utf8')) as { inputs: Record<string, number> };
    for (const [rel, mtime] of Object.entries(inputs)) if (statSync(join(root, rel), { throwIfNoEntry: false })?.mtimeMs !== mtime) return undefined;
    return loadAwsSdkChunk(files.code, readFileSync(files.cache)).modules;
  } catch {
    return undefined; // no chunk, or not loadable: node_modules
  }
}

/**
 * Evaluates the chunk as CommonJS, from `cachedData` when V8 accepts it (made by this node
 * with these flags), and returns its modules and a way to make the code cache of what has run.
 */
export function loadAwsSdkChunk(code: string, cachedData?: Buffer): { modules: Partial<AwsSdk>; codeCache: () => Buffer; rejected: boolean } {
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(code, 'utf8')}\n})`;
  const script = new Script(source, { filename: code, ...(cachedData ? { cachedData } : {}) });
  const mod = { exports: {} as Partial<AwsSdk> };
  (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, createRequire(code), mod, code, dirname(code));
  return { modules: mod.exports, codeCache: () => script.createCachedData(), rejected: Boolean(script.cachedDataRejected) };
}
