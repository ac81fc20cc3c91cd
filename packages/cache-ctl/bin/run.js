#!/usr/bin/env node
// CommonJS (bin/package.json), so that --version and --help, answered from text rendered at
// build time, never start the ES module loader. Commands run from the bundled CLI, or from
// oclif over dist/commands when that is missing or stale (see @iwp/core/startup). A failure
// to load either is an unhandled rejection: Node prints it and exits 1.
const { join } = require('node:path');
const { startup } = require('@iwp/core/startup');

const root = join(__dirname, '..');
const next = startup(root);
if (next.kind === 'bundle') import(next.url).then((cli) => cli.run());
else if (next.kind === 'oclif') import('@oclif/core').then((oclif) => oclif.execute({ dir: root }));
