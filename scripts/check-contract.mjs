#!/usr/bin/env node
// The JSON Schemas of the contract (packages/core/schema/<Kind>.json) are generated from the
// TypeBox definitions in packages/core/src/documents.ts. `--write` regenerates them; without
// it, this fails when they are out of date, so a change to an output shows up in review.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { schemas } from '../packages/core/dist/documents.js';

const dir = new URL('../packages/core/schema/', import.meta.url).pathname;
const write = process.argv.includes('--write');
let stale = 0;
mkdirSync(dir, { recursive: true });
for (const [kind, schema] of Object.entries(schemas)) {
  const file = join(dir, `${kind}.json`);
  const text = `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: `iwp/v1/${kind}`, title: kind, ...schema }, null, 2)}\n`;
  if (write) writeFileSync(file, text);
  else if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
    process.stderr.write(`check-contract: ${file} is out of date: run node scripts/check-contract.mjs --write\n`);
    stale++;
  }
}
if (stale) process.exit(1);
process.stderr.write(`check-contract: ${Object.keys(schemas).length} schemas ${write ? 'written' : 'up to date'}\n`);
