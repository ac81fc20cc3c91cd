#!/usr/bin/env node
// --version and --help from text rendered at build time, commands from the bundled CLI, or
// oclif over dist/commands when those are missing or stale (see @iwp/core/startup).
import { startup } from '@iwp/core/startup';

const next = startup(import.meta.url);
if (next.kind === 'bundle') await (await import(next.url)).run();
else if (next.kind === 'oclif') await (await import('@oclif/core')).execute({ dir: import.meta.url });
