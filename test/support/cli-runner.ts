/**
 * Runs the real `mreg` bin (cli/bin.mjs) as a child process with its own home, config and
 * cache directories, so tests see exactly what a person's shell would, and never touch the
 * machine's own ~/.config or ~/.cache. Asynchronous: a registry answering the child may run in
 * the test's own process.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../cli/bin.mjs', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHome {
  dir: string;
  /** The environment of a child: only what a shell would pass, plus `extra`. */
  env(extra?: Record<string, string>): Record<string, string>;
  run(args: string[], options?: { env?: Record<string, string>; input?: string; cwd?: string }): Promise<CliResult>;
  /** Removes the home and everything the CLI wrote under it. */
  remove(): Promise<void>;
  /** Starts the CLI and hands back the process (to kill it mid-transfer). */
  spawn(
    args: string[],
    options?: { env?: Record<string, string>; cwd?: string },
  ): ChildProcess & { result: Promise<CliResult> };
}

/** A fresh HOME with XDG config and cache directories under it. */
export async function cliHome(base: Record<string, string> = {}): Promise<CliHome> {
  const dir = await mkdtemp(join(tmpdir(), 'mreg-cli-home-'));
  await mkdir(join(dir, 'work'), { recursive: true });
  const env = (extra: Record<string, string> = {}) => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, '.config'),
    XDG_CACHE_HOME: join(dir, '.cache'),
    LANG: 'C.UTF-8',
    ...base,
    ...extra,
  });
  const collect = (child: ChildProcess): Promise<CliResult> =>
    new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
      });
      child.stderr?.on('data', (c: Buffer) => {
        stderr += c.toString('utf8');
      });
      child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    });
  return {
    dir,
    env,
    remove: () => rm(dir, { recursive: true, force: true }),
    run: (args, options = {}) =>
      new Promise((resolve) => {
        const child = execFile(
          process.execPath,
          [BIN, ...args],
          { env: env(options.env), cwd: options.cwd ?? join(dir, 'work'), maxBuffer: 1 << 26 },
          () => undefined,
        );
        void collect(child).then(resolve);
        if (options.input !== undefined) child.stdin?.end(options.input);
        else child.stdin?.end();
      }),
    spawn: (args, options = {}) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        env: env(options.env),
        cwd: options.cwd ?? join(dir, 'work'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return Object.assign(child, { result: collect(child) });
    },
  };
}

/** Polls until `check` holds (or throws after `timeoutMs`). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** True when the text holds no ANSI escape (what a pipe must get). */
export const plain = (text: string) => !text.includes('\u001b[');
