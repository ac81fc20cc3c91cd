#!/usr/bin/env node
// --version and --help from text rendered at build time, commands from the bundled CLI, or
// oclif over dist/commands when those are missing or stale (see @iwp/core/startup).
import { setFlagsFromString } from 'node:v8';
import { startup } from '@iwp/core/startup';

// Node's fetch parses HTTP with a WebAssembly module that V8 optimises on a background
// thread, and a process does not exit before that job ends (~0.1 s after the last request of
// a short run). Its baseline code parses response headers as fast as this CLI needs.
setFlagsFromString('--liftoff-only');

const next = startup(import.meta.url);
if (next.kind === 'bundle') await (await import(next.url)).run();
else if (next.kind === 'oclif') await (await import('@oclif/core')).execute({ dir: import.meta.url });
