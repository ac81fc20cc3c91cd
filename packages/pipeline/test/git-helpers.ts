import { cp, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { startGitServer, type GitServer } from '@iwp/core/testing';
import { tempDir } from './helpers.js';

const ZERO = '0'.repeat(40);

/** A bare repository served over HTTP by `git http-backend`, and a clone to commit in. */
export interface TestRepo {
  server: GitServer;
  name: string;
  cloneURL: string;
  work: string;
  /** writes files, commits, `git push`es the branch; returns the push event GitHub would send */
  push(files: Record<string, string>, opts?: { branch?: string; message?: string }): Promise<PushEvent>;
}

export interface PushEvent {
  before: string;
  after: string;
  ref: string;
  body: string;
}

const git = (cwd: string, args: string[]) =>
  execa('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, env: { GIT_TERMINAL_PROMPT: '0' } });

export async function testRepo(t: Tap.Test, name = 'helloworld'): Promise<TestRepo> {
  const dir = await tempDir(t, 'iwp-git-');
  const root = join(dir, 'srv');
  await mkdir(root);
  await git(root, ['init', '--quiet', '--bare', `${name}.git`]);
  const server = await startGitServer(root);
  t.teardown(() => server.close());
  const cloneURL = `${server.url}/${name}.git`;
  const work = join(dir, 'work');
  await git(dir, ['clone', '--quiet', cloneURL, work]);
  return {
    server,
    name,
    cloneURL,
    work,
    push: async (files, opts = {}) => {
      const branch = opts.branch ?? 'main';
      const ref = `refs/heads/${branch}`;
      const remote = await git(work, ['ls-remote', cloneURL, ref]);
      const before = remote.stdout.split(/\s/)[0] || ZERO;
      await git(work, ['checkout', '--quiet', '-B', branch, ...(before === ZERO ? [] : [before])]);
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(work, path)), { recursive: true });
        await writeFile(join(work, path), text);
      }
      await git(work, ['add', '-A']);
      await git(work, ['commit', '--quiet', '--allow-empty', '-m', opts.message ?? `change ${Object.keys(files).join(', ')}`]);
      await git(work, ['push', '--quiet', cloneURL, `HEAD:${ref}`]);
      // the payload from the refs as the server now has them, as GitHub builds it
      const after = (await git(work, ['ls-remote', cloneURL, ref])).stdout.split(/\s/)[0]!;
      const message = (await git(work, ['log', '-1', '--format=%s', after])).stdout;
      const body = JSON.stringify({
        ref,
        before,
        after,
        created: before === ZERO,
        deleted: false,
        repository: { name, full_name: `acme/${name}`, clone_url: cloneURL },
        pusher: { name: 'Ada', email: 'ada@example.com' },
        sender: { login: 'ada' },
        head_commit: { id: after, message },
      });
      return { before, after, ref, body };
    },
  };
}

/** Copies files of this repository into a test repository's work tree. */
export async function copyInto(repo: TestRepo, from: string, paths: string[]): Promise<void> {
  for (const p of paths) await cp(join(from, p), join(repo.work, p), { recursive: true });
}

export { writeFile };
