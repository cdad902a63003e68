/**
 * `npm ci` on a fresh clone: CI pipelines and Dockerfiles install with it, and it refuses a
 * lockfile that is not in sync with package.json (an optional platform package missing is
 * enough). The check runs the real `npm ci` on a copy of the two files a clone has, as a
 * dry run without scripts or network (the lockfile holds everything it needs), so it takes
 * seconds, not an install.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A directory with the project's package.json and package-lock.json, as a clone has them. */
async function checkout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mreg-npm-ci-'));
  dirs.push(dir);
  await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await copyFile(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
  return dir;
}

function npmCi(dir: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund', '--cache', join(dir, '.cache')],
      { cwd: dir, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

describe('npm ci on a fresh clone', () => {
  it('accepts the committed lockfile: it is complete and in sync with package.json', async () => {
    const { code, output } = await npmCi(await checkout());
    expect(output).not.toMatch(/in sync|Missing:/);
    expect(code, output).toBe(0);
  }, 60_000);

  it('refuses a lockfile missing one optional platform package (the check can fail)', async () => {
    const dir = await checkout();
    const lock = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { optional?: boolean }>;
    };
    const optional = Object.keys(lock.packages).find((k) => k.startsWith('node_modules/@biomejs/cli-'));
    expect(optional).toBeDefined();
    delete lock.packages[optional ?? ''];
    await writeFile(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
    const { code, output } = await npmCi(dir);
    expect(code).not.toBe(0);
    expect(output).toMatch(/in sync/);
  }, 60_000);
});
