/**
 * Short names for the event sources of Brigade's gateways, so `--source github` and
 * `events.on("github", ...)` mean the same as Brigade's own `brigade.sh/github`.
 */
export const SOURCE_ALIASES: Readonly<Record<string, string>> = {
  github: 'brigade.sh/github',
  cli: 'brigade.sh/cli',
  cron: 'brigade.sh/cron',
  generic: 'brigade.sh/generic',
};

export function normalizeSource(source: string): string {
  return SOURCE_ALIASES[source] ?? source;
}
