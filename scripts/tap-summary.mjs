#!/usr/bin/env node
// Reads tap's closing summaries ("# { total: 14, pass: 13, fail: 1 }") from the result files
// given as arguments and prints the line CI reads last: "N passed, N failed" (skips on the line before).
// A result file without a summary (the runner died) counts as one failure.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').filter((l) => /^# \{ total: \d+/.test(l));
  const last = lines.at(-1);
  if (!last) {
    failed += 1;
    process.stderr.write(`tap-summary: ${file}: no tap summary (runner failed)\n`);
    continue;
  }
  const counts = Object.fromEntries([...last.matchAll(/(\w+): (\d+)/g)].map((m) => [m[1], Number(m[2])]));
  passed += counts.pass ?? 0;
  failed += counts.fail ?? 0;
  skipped += (counts.skip ?? 0) + (counts.todo ?? 0);
  if (!counts.fail && (counts.pass ?? 0) + (counts.skip ?? 0) + (counts.todo ?? 0) < (counts.total ?? 0)) {
    failed += (counts.total ?? 0) - (counts.pass ?? 0) - (counts.skip ?? 0) - (counts.todo ?? 0);
  }
}
if (skipped) process.stdout.write(`${skipped} skipped\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
