import { Type, type Static } from '@sinclair/typebox';
import { Count, header, open, Time } from './common.js';

/** pipeline: runs, their jobs and logs. */
export const PipelineJob = Type.Object(
  {
    name: Type.String(),
    image: Type.Optional(Type.String()),
    executor: Type.Optional(Type.String()),
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('skipped'), Type.Literal('running'), Type.Literal('pending')]),
    exitCode: Type.Union([Type.Integer(), Type.Null()]),
    durationMs: Type.Optional(Count),
    logFile: Type.Optional(Type.String()),
    stdout: Type.Optional(Type.String()),
  },
  open,
);
export const PipelineRun = Type.Object(
  {
    ...header('PipelineRun'),
    id: Type.String(),
    script: Type.Optional(Type.String()),
    event: Type.Object({ source: Type.String(), type: Type.String() }, open),
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('running'), Type.Literal('queued')]),
    startedAt: Time,
    finishedAt: Type.Optional(Time),
    jobs: Type.Array(PipelineJob),
    error: Type.Optional(Type.String()),
  },
  open,
);
export type PipelineRun = Static<typeof PipelineRun>;

/** `pipeline runs logs --json`: the script's output and each job's, secrets masked. */
export const PipelineRunLogs = Type.Object(
  {
    ...header('PipelineRunLogs'),
    run: Type.String(),
    logs: Type.Array(Type.Object({
      /** the job's name, or `(script)` for the script's own output */
      job: Type.String(),
      /** where the log is kept (a path or an s3:// URL) */
      location: Type.String(),
      text: Type.String(),
    }, open)),
  },
  open,
);
export type PipelineRunLogs = Static<typeof PipelineRunLogs>;
