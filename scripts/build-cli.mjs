#!/usr/bin/env node
// Builds each tool's start-up files after `tsc -b` (scripts/bootstrap runs it):
//   packages/<tool>/dist/.startup/cli.cjs             the tool's commands and oclif in one file (esbuild)
//   packages/<tool>/dist/.startup/cli.cjs.v8cache     V8's code cache of it, made after rendering the help
//   packages/<tool>/dist/.startup/cli.js              loads cli.cjs with that cache (no compile on each run)
//   packages/<tool>/dist/.startup/package.json        the tool's oclif settings, commands from cli.js
//   packages/<tool>/dist/.startup/oclif.manifest.json so oclif lists commands without loading them
//   packages/<tool>/dist/.startup/startup.json        version, help texts oclif rendered for a pipe,
//                                                and the mtimes of what all this was built from
// packages/core/src/startup.cts (bin/run.js) uses them while those mtimes hold. And for core:
//   packages/core/dist/.startup/aws-sdk.cjs[.v8cache] the AWS SDK modules core loads, code-cached,
//   packages/core/dist/.startup/aws-sdk.json          and what they were built from (src/aws-sdk.ts)
//   node scripts/build-cli.mjs [tool...]          build what is out of date
//   node scripts/build-cli.mjs --force [tool...]  build anyway
// Each tool is built in dist/.startup.tmp and renamed into place when complete.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = join(root, 'packages');

// Loaded when reached, from node_modules as before, never bundled: big SDKs (most commands
// never load them, oclif only loads typescript and ts-node in development), and packages that
// find files, native add-ons or loaders at run time.
const EXTERNAL = ['typescript', 'ts-node', '@aws-sdk/*', '@smithy/*', '@kubernetes/client-node', 'esbuild', 'tsx', 'tsx/*', 'puppeteer-core', 'ws', 'protobufjs', 'protobufjs/*'];

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const writeJson = (p, v) => writeFileSync(p, `${JSON.stringify(v, null, 2)}\n`);

/** Workspace packages by name, with their directory. */
function workspace() {
  const byName = new Map();
  for (const d of readdirSync(packagesDir)) {
    const pj = join(packagesDir, d, 'package.json');
    if (existsSync(pj)) byName.set(readJson(pj).name, { dir: join(packagesDir, d), pjson: readJson(pj) });
  }
  return byName;
}

/** The tool and the workspace packages it uses, directly or not. */
function workspaceClosure(ws, name, seen = new Set()) {
  if (seen.has(name) || !ws.has(name)) return seen;
  seen.add(name);
  for (const dep of Object.keys(ws.get(name).pjson.dependencies ?? {})) workspaceClosure(ws, dep, seen);
  return seen;
}

/** What the start-up files are built from: a change to any of them makes the build stale. */
function inputs(ws, tool) {
  const files = [join(tool.dir, 'package.json'), join(root, 'pnpm-lock.yaml'), fileURLToPath(import.meta.url)];
  for (const name of workspaceClosure(ws, tool.pjson.name)) files.push(join(ws.get(name).dir, 'tsconfig.tsbuildinfo'));
  return Object.fromEntries(files.map((f) => [relative(tool.dir, f), statSync(f).mtimeMs]));
}

/** Command ids as oclif's pattern strategy finds them in dist/commands. */
function commandFiles(dir, prefix = []) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) out.push(...commandFiles(join(dir, e.name), [...prefix, e.name]));
    else if (/\.js$/.test(e.name) && !/\.(test|spec)\.js$/.test(e.name)) {
      const base = e.name.replace(/\.js$/, '');
      const id = (base === 'index' ? prefix : [...prefix, base]).join(':');
      if (id) out.push({ id, file: join(dir, e.name) });
    }
  }
  return out;
}

/**
 * Code of workspace packages keeps finding files next to its own dist/*.js (manifests,
 * workers, dependencies resolved from its package): `import.meta.url` and friends are
 * rewritten to that original location, relative to the bundle so the tree can move.
 */
function originalLocation(outDir, transform) {
  let n = 0;
  return {
    name: 'iwp-original-location',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(packagesDir + sep) || args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta')) return { contents: text, loader: 'js' };
        const rel = relative(outDir, args.path).split(sep).join('/');
        const relDir = `${relative(outDir, dirname(args.path)).split(sep).join('/')}/`;
        const id = `__iwpMeta${n++}`;
        // esbuild's define replaces the expressions, never text inside strings
        const { code } = await transform(text, {
          loader: 'js',
          format: 'esm',
          define: { 'import.meta.url': `${id}_url`, 'import.meta.filename': `${id}_filename`, 'import.meta.dirname': `${id}_dirname` },
        });
        const head = [
          `const ${id}_url = new URL(${JSON.stringify(rel)}, __iwpBundleUrl).href;`,
          `const ${id}_filename = __iwpFileURLToPath(${id}_url);`,
          `const ${id}_dirname = __iwpFileURLToPath(new URL(${JSON.stringify(relDir)}, __iwpBundleUrl)).replace(/\\/$/, '');`,
        ].join('\n');
        return { contents: `${head}\n${code}`, loader: 'js' };
      });
    },
  };
}

/** dist/.startup/cli.js: loads the bundle with V8's code cache when it fits this node (else compiles it). */
const SHIM = `// Generated by scripts/build-cli.mjs. Loads cli.cjs, the bundled CLI, from V8's code cache
// cli.cjs.v8cache when it was made by this node with these flags (V8 checks), so the bundle is
// not compiled again on each run; otherwise compiles it as require() would.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script, constants } from 'node:vm';

const file = fileURLToPath(new URL('./cli.cjs', import.meta.url));
let cachedData;
try {
  cachedData = readFileSync(\`\${file}.v8cache\`);
} catch {
  // no cache: compiled below
}
const wrapped = \`(function (exports, require, module, __filename, __dirname, __iwpImport) {\${readFileSync(file, 'utf8')}\\n})\`;
const script = new Script(wrapped, { filename: file, cachedData, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
const mod = { exports: {}, filename: file, id: file };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, dirname(file), (specifier, options) => import(specifier, options));
export const { COMMANDS, run, execute, Config, Plugin, Help } = mod.exports;
/** V8's code cache of the bundle with what has run so far (written by build-cli after rendering help). */
export const codeCache = () => script.createCachedData();
export const cacheRejected = () => script.cachedDataRejected;
`;

async function bundle(tool, tmp) {
  const { build, transform } = await import('esbuild');
  const cmds = commandFiles(join(tool.dir, 'dist', 'commands'));
  const entry = [
    "export { execute, Config, Plugin, Help } from '@oclif/core';",
    // each command's modules are evaluated when oclif asks for that command: a run of
    // `push` does not load what only `serve` needs (its HTTP server, prom-client)
    `export const COMMANDS = { ${cmds.map((c) => `get ${JSON.stringify(c.id)}() { return require(${JSON.stringify(pathToFileURL(c.file).pathname)}).default; }`).join(', ')} };`,
    "import { execute as __run } from '@oclif/core';",
    'export async function run() { await __run({ dir: __iwpBundleUrl }); }',
  ].join('\n');
  await build({
    stdin: { contents: entry, resolveDir: tool.dir, sourcefile: 'cli-entry.js', loader: 'js' },
    outfile: join(tmp, 'cli.cjs'),
    bundle: true,
    platform: 'node',
    // CommonJS, so that V8 can load it from a code cache (Node 20 has none for ES modules)
    format: 'cjs',
    target: 'node20',
    external: EXTERNAL,
    banner: {
      js: [
        "const { fileURLToPath: __iwpFileURLToPath, pathToFileURL: __iwpPathToFileURL } = require('node:url');",
        'const __iwpBundleUrl = __iwpPathToFileURL(__filename).href;',
      ].join('\n'),
    },
    plugins: [originalLocation(tmp, transform)],
    logLevel: 'error',
    legalComments: 'none',
  });
  // import() of what is not bundled (oclif loading a command file, a loader, an external
  // package) goes through the shim's own import(): code that V8 restores from a cache cannot
  // call import() itself on Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING). The shim sits
  // beside the bundle, so a relative specifier names the same file either way.
  const out = join(tmp, 'cli.cjs');
  writeFileSync(out, readFileSync(out, 'utf8').replace(/(?<![\w$.'"`])import\(/g, '__iwpImport('));
  writeFileSync(join(tmp, 'cli.js'), SHIM);
  return cmds;
}

/** Runs in a child whose stdout is a pipe, with no width or colour settings: oclif's own rendering for a pipe. */
async function render(dir) {
  const { Config, Help, Plugin, codeCache } = await import(pathToFileURL(join(dir, 'cli.js')).href);
  const plugin = new Plugin({ root: dir, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
  await plugin.load();
  writeJson(join(dir, 'oclif.manifest.json'), plugin.manifest);
  const config = await Config.load(dir);
  const sep = config.topicSeparator;
  const argvs = [[], ['--help']];
  for (const c of config.commands) if (!c.hasDynamicHelp && !c.hidden) argvs.push([...c.id.split(':').join(sep).split(' '), '--help']);
  for (const t of config.topics) if (!config.findCommand(t.name)) argvs.push([...t.name.split(':').join(sep).split(' '), '--help']);
  const help = {};
  const write = process.stdout.write;
  for (const argv of argvs) {
    let text = '';
    process.stdout.write = (chunk) => { text += String(chunk); return true; };
    try {
      // a fresh Config each time, as in a real run: showing a command's help changes
      // oclif's loaded state (the command drops out of its topic's list)
      const fresh = await Config.load(dir);
      await new Help(fresh, fresh.pjson.oclif.helpOptions ?? fresh.pjson.helpOptions).showHelp(argv);
    } finally {
      process.stdout.write = write;
    }
    help[argv.join(' ')] = text;
  }
  // the code cache holds what rendering compiled: oclif's start-up and each command's module
  writeFileSync(join(dir, 'cli.cjs.v8cache'), codeCache());
  process.stdout.write(JSON.stringify({ help, userAgent: config.userAgent, name: config.name, version: config.version }));
}

async function buildTool(ws, tool, force) {
  const want = inputs(ws, tool);
  const out = join(tool.dir, 'dist', '.startup');
  const current = existsSync(join(out, 'startup.json')) ? readJson(join(out, 'startup.json')) : undefined;
  if (!force && current && JSON.stringify(current.inputs) === JSON.stringify(want)) return false;
  const tmp = join(tool.dir, 'dist', '.startup.tmp');
  rmSync(tmp, { recursive: true, force: true });
  await bundle(tool, tmp);
  // the tool's own package.json (oclif prints its name, version and description), with the
  // commands taken from the bundle
  const { exports: _e, main: _m, types: _t, ...pjson } = tool.pjson;
  writeJson(join(tmp, 'package.json'), {
    ...pjson,
    type: 'module',
    oclif: { ...tool.pjson.oclif, commands: { strategy: 'explicit', target: './cli.js', identifier: 'COMMANDS' } },
  });
  const env = { ...process.env };
  for (const k of ['OCLIF_COLUMNS', 'FORCE_COLOR', 'NO_COLOR', 'IWP_STARTUP']) delete env[k];
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--render', tmp], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${tool.pjson.name}: rendering help failed: ${r.stderr}`);
  const rendered = JSON.parse(r.stdout);
  writeJson(join(tmp, 'startup.json'), { name: rendered.name, version: rendered.version, userAgent: rendered.userAgent, inputs: want, help: rendered.help });
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return true;
}

/**
 * core's AWS SDK chunk (packages/core/src/aws-sdk.ts): the SDK modules core loads, bundled
 * into dist/.startup/aws-sdk.cjs, with V8's code cache made in a child after a client has
 * signed requests (to a closed port: nothing listens, nothing is sent), and aws-sdk.json
 * naming what it was built from. Rebuilt when the lockfile, core's package.json, this script
 * or core's aws-sdk module changed.
 */
async function buildAwsSdkChunk(core, force) {
  const inputFiles = [join(root, 'pnpm-lock.yaml'), join(core.dir, 'package.json'), fileURLToPath(import.meta.url), join(core.dir, 'dist', 'aws-sdk.js')];
  const want = Object.fromEntries(inputFiles.map((f) => [relative(core.dir, f), statSync(f).mtimeMs]));
  const out = join(core.dir, 'dist', '.startup');
  const info = join(out, 'aws-sdk.json');
  if (!force && existsSync(info) && JSON.stringify(readJson(info).inputs) === JSON.stringify(want)) return false;
  const { AWS_SDK_CHUNK } = await import(pathToFileURL(join(core.dir, 'dist', 'aws-sdk.js')).href);
  const tmp = join(core.dir, 'dist', '.startup.tmp');
  rmSync(tmp, { recursive: true, force: true });
  const { build } = await import('esbuild');
  // the names core takes, imported from the SDK's ES modules (`module` before `main`) so that
  // what nothing imports is left out; each module's names as one object, exported under the
  // module's name (an arbitrary export name, ES2022)
  const modules = Object.entries(AWS_SDK_CHUNK);
  const entry = [
    ...modules.map(([m, names], i) => `import { ${names.map((n) => `${n} as m${i}_${n}`).join(', ')} } from ${JSON.stringify(m)};`),
    ...modules.map(([, names], i) => `const m${i} = { ${names.map((n) => `${n}: m${i}_${n}`).join(', ')} };`),
    `export { ${modules.map(([m], i) => `m${i} as ${JSON.stringify(m)}`).join(', ')} };`,
  ].join('\n');
  await build({
    stdin: { contents: entry, resolveDir: core.dir, sourcefile: 'aws-sdk-entry.mjs', loader: 'js' },
    outfile: join(tmp, 'aws-sdk.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    // their import() of node's built-ins as require(): a vm script made from V8's code cache
    // has no dynamic import callback in Node 20
    supported: { 'dynamic-import': false },
    logLevel: 'error',
    legalComments: 'none',
  });
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--warm-aws-sdk', core.dir, join(tmp, 'aws-sdk.cjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`@iwp/core: warming the AWS SDK chunk failed: ${r.stderr}`);
  writeJson(join(tmp, 'aws-sdk.json'), { inputs: want });
  mkdirSync(out, { recursive: true });
  for (const f of ['aws-sdk.cjs', 'aws-sdk.cjs.v8cache', 'aws-sdk.json']) renameSync(join(tmp, f), join(out, f));
  rmSync(tmp, { recursive: true, force: true });
  return true;
}

/** In a child: the chunk evaluated, an S3 client made as core makes one, requests signed and refused, the code cache written. */
async function warmAwsSdk(coreDir, code) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { loadAwsSdkChunk } = await import(pathToFileURL(join(coreDir, 'dist', 'aws-sdk.js')).href);
  const { modules, codeCache } = loadAwsSdkChunk(code);
  const s3 = modules['@aws-sdk/client-s3'];
  // a port that was just free: nothing listens, every request is refused
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  const client = new s3.S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: 'warm', secretAccessKey: 'warm' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const b = { Bucket: 'warm', Key: 'k' };
  const sent = [
    new s3.ListObjectsV2Command({ Bucket: 'warm', Prefix: 'p/' }),
    new s3.HeadObjectCommand(b),
    new s3.GetObjectCommand(b),
    new s3.PutObjectCommand({ ...b, Body: Buffer.from('x'), ContentType: 'text/plain', IfNoneMatch: '*' }),
    new s3.DeleteObjectCommand(b),
  ].map((c) => client.send(c));
  sent.push(new modules['@aws-sdk/lib-storage'].Upload({ client, params: { ...b, Body: Buffer.from('x') } }).done());
  // each must have got as far as connecting: any other failure is the chunk's
  const failed = (await Promise.allSettled(sent)).filter((r) => r.status !== 'rejected' || r.reason?.code !== 'ECONNREFUSED');
  if (failed.length) throw new Error(`a request from the chunk failed before connecting: ${failed.map((r) => r.reason?.stack ?? r.status).join('\n')}`);
  writeFileSync(`${code}.v8cache`, codeCache());
}

async function main(args) {
  if (args[0] === '--render') return render(args[1]);
  if (args[0] === '--warm-aws-sdk') return warmAwsSdk(args[1], args[2]);
  const force = args.includes('--force');
  const only = args.filter((a) => !a.startsWith('--'));
  const ws = workspace();
  const tools = [...ws.values()].filter((t) => t.pjson.bin && t.pjson.oclif && (only.length === 0 || only.includes(t.dir.split(sep).pop())));
  const core = ws.get('@iwp/core');
  if (only.length === 0 || only.includes('core')) {
    const t = performance.now();
    if (await buildAwsSdkChunk(core, force)) process.stderr.write(`build-cli: @iwp/core AWS SDK chunk (${Math.round(performance.now() - t)} ms)\n`);
  }
  for (const tool of tools) {
    const t = performance.now();
    if (await buildTool(ws, tool, force)) process.stderr.write(`build-cli: ${tool.pjson.name} (${Math.round(performance.now() - t)} ms)\n`);
  }
}

await main(process.argv.slice(2));
