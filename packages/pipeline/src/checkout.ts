import { mkdir } from 'node:fs/promises';
import { redact, runProcess, type Runner } from '@iwp/core';

export interface CheckoutSpec {
  cloneURL: string;
  /** the full commit id the event names */
  commit: string;
  ref?: string;
}

export interface CheckoutResult {
  commit: string;
  durationMs: number;
}

export class CheckoutError extends Error {}

const SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * Fetches exactly one commit into `dir` (a shallow fetch of that id, as Brigade's git
 * initializer does with a commit) and checks it out detached. Never prompts for credentials.
 * A failure throws a CheckoutError carrying git's own message, with any credentials in the
 * URL redacted.
 */
export async function checkoutCommit(spec: CheckoutSpec, dir: string, opts: { signal?: AbortSignal; onLine?: (line: string) => void; run?: Runner } = {}): Promise<CheckoutResult> {
  const started = Date.now();
  if (!SHA.test(spec.commit)) throw new CheckoutError(`checkout: commit: expected a full commit id (40 or 64 hex digits), got ${JSON.stringify(spec.commit.slice(0, 80))}`);
  await mkdir(dir, { recursive: true });
  const git = async (args: string[]) => {
    opts.onLine?.(redact(`$ git ${args.join(' ')}`));
    const r = await (opts.run ?? runProcess)('git', args, {
      cwd: dir,
      reject: false,
      stdin: 'ignore',
      env: { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' },
      ...(opts.signal ? { signal: opts.signal } : {}),
    }).catch((err: Error) => {
      throw new CheckoutError(redact(`checkout: git ${args[0]} ${spec.cloneURL} ${spec.commit}: ${err.message}`));
    });
    const out = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trimEnd()).filter(Boolean);
    for (const l of out) opts.onLine?.(redact(l));
    if (r.exitCode !== 0) {
      const why = r.canceled ? 'stopped' : out.filter((l) => /^(fatal|error):/.test(l)).join(' | ') || out.slice(-2).join(' | ');
      throw new CheckoutError(redact(`checkout: git ${args[0]} ${spec.cloneURL} ${spec.commit}: ${why}`));
    }
    return r.stdout;
  };
  await git(['init', '--quiet', '.']);
  await git(['fetch', '--depth', '1', '--no-tags', '--quiet', spec.cloneURL, spec.commit]);
  await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', 'FETCH_HEAD']);
  const head = (await git(['rev-parse', 'HEAD'])).trim();
  if (head !== spec.commit) throw new CheckoutError(`checkout: fetched ${head}, expected ${spec.commit}`);
  return { commit: head, durationMs: Date.now() - started };
}
