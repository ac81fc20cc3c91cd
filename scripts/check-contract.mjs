#!/usr/bin/env node
// The JSON Schemas of the contract (packages/core/schema/<Kind>.json) are generated from the
// TypeBox definitions in packages/core/src/documents.ts (and documents/*.ts). `--write`
// regenerates them; without it, this fails when they are out of date, so a change to an
// output shows up in review. It also fails when a package's source builds a document of a
// kind that has no schema (`doc('X', …)`, `list('X', …)`, or an object literal with
// `apiVersion: API_VERSION` / 'iwp/v1' and `kind: 'X'`), and when a schema file is left
// over from a kind that is gone. `--src DIR` scans DIR/packages/*/src instead of this repo's.
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { schemas } from '../packages/core/dist/documents.js';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'packages/core/schema');
const write = process.argv.includes('--write');
const srcAt = process.argv.indexOf('--src');
const scanRoot = srcAt > 0 ? process.argv[srcAt + 1] : root;
let failed = 0;
const fail = (msg) => {
  process.stderr.write(`check-contract: ${msg}\n`);
  failed++;
};

mkdirSync(dir, { recursive: true });
for (const [kind, schema] of Object.entries(schemas)) {
  const file = join(dir, `${kind}.json`);
  const text = `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: `iwp/v1/${kind}`, title: kind, ...schema }, null, 2)}\n`;
  if (write) writeFileSync(file, text);
  else if (!existsSync(file) || readFileSync(file, 'utf8') !== text) fail(`${file} is out of date: run node scripts/check-contract.mjs --write`);
}
for (const f of readdirSync(dir)) {
  if (f.endsWith('.json') && !(f.slice(0, -5) in schemas)) fail(`${join(dir, f)} has no schema in documents.ts: delete it or add the kind`);
}

/** Every kind a package's source builds as an iwp document, with where. */
function kindsInSource(base) {
  const found = new Map();
  const add = (kind, where) => {
    const k = kind.endsWith('List') && kind !== 'List' ? kind.slice(0, -4) : kind;
    if (!found.has(k)) found.set(k, where);
  };
  const iwpApiVersion = /apiVersion\??:\s*(API_VERSION|typeof API_VERSION|'iwp\/v1'|"iwp\/v1")/;
  const walk = (d) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) scan(p);
    }
  };
  const scan = (file) => {
    if (/packages\/core\/src\/documents(\.ts|\/)/.test(file)) return;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const where = `${relative(base, file)}:${i + 1}`;
      for (const m of line.matchAll(/\b(?:doc|list)\(\s*'([A-Za-z]+)'/g)) add(m[1], where);
      for (const m of line.matchAll(/\bkind\??:\s*'([A-Z][A-Za-z]+)'/g)) {
        // the apiVersion nearest the kind (within a few lines) is its object's: it must be iwp's
        const before = lines.slice(Math.max(0, i - 3), i).join('\n') + '\n' + line.slice(0, m.index);
        const after = line.slice(m.index) + '\n' + lines.slice(i + 1, i + 3).join('\n');
        const prev = [...before.matchAll(/apiVersion\??:[^,;\n]*/g)].at(-1);
        const next = after.match(/apiVersion\??:[^,;\n]*/);
        const nearest = !prev ? next : !next ? prev : before.length - prev.index <= next.index ? prev : next;
        if (nearest && iwpApiVersion.test(nearest[0])) add(m[1], where);
      }
    });
  };
  const pkgs = join(base, 'packages');
  for (const p of readdirSync(pkgs)) {
    const src = join(pkgs, p, 'src');
    if (existsSync(src)) walk(src);
  }
  return found;
}

const known = new Set(Object.keys(schemas));
const used = kindsInSource(scanRoot);
for (const [kind, where] of used) {
  if (!known.has(kind)) fail(`${where}: kind ${kind} has no schema: add it to packages/core/src/documents (see ARCHITECTURE.md)`);
}
if (failed) process.exit(1);
process.stderr.write(`check-contract: ${known.size} schemas ${write ? 'written' : 'up to date'}; ${used.size} kinds built in the packages' source, each with a schema\n`);
