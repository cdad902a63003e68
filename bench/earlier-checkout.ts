/**
 * The registry as an earlier commit had it, for benchmarks that compare against the code before
 * a change in the same run: the commit's files (git archive, the repository untouched) in a temp
 * dir, sharing this checkout's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../infra/aws/bundling.js';

export interface Checkout {
  root: string;
  commit: string;
  remove(): Promise<void>;
}

export async function checkoutCommit(ref: string): Promise<Checkout> {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: PROJECT_ROOT })
    .toString()
    .trim();
  const root = await mkdtemp(join(tmpdir(), `mreg-${commit.slice(0, 8)}-`));
  execFileSync('sh', ['-c', `git archive --format=tar "${commit}" | tar -x -C "${root}"`], { cwd: PROJECT_ROOT });
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, commit, remove: () => rm(root, { recursive: true, force: true }) };
}
