/**
 * The Python client's own suite (`python3 -m unittest` with Debian's python3, in clients/python)
 * against the real local registries started here. Fails on any failed, errored or skipped Python
 * test, and prints the unittest output.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PythonTestRegistries, startPythonTestRegistries } from './registries.js';

const PYTHON = '/usr/bin/python3';
const CLIENT = join(import.meta.dirname, '..', '..', 'clients', 'python');

let registries: PythonTestRegistries;
let home: string;
beforeAll(async () => {
  registries = await startPythonTestRegistries();
  home = await mkdtemp(join(tmpdir(), 'mreg-py-home-'));
});
afterAll(async () => {
  await registries?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Runs a child without blocking this process: the registries answering it live in this event loop. */
function run(command: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((done, fail) => {
    const child = spawn(command, args, { cwd: CLIENT, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

it('python3 -m unittest passes in clients/python, with nothing skipped', async () => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...registries.env };
  // -B: no __pycache__ in the source tree; -X dev: ResourceWarnings (an unclosed socket) are shown.
  const { code, output } = await run(
    PYTHON,
    ['-B', '-X', 'dev', '-m', 'unittest', 'discover', '-v', '-s', 'tests', '-t', '.'],
    env,
  );
  console.log(output);
  const ran = Number(/^Ran (\d+) tests? in /m.exec(output)?.[1] ?? 0);
  const verdict = output.trimEnd().split('\n').at(-1) ?? '';
  expect(code, output).toBe(0);
  expect(verdict, 'the last line of unittest: OK with no skipped or expected failures').toBe('OK');
  expect(ran).toBeGreaterThanOrEqual(61);
  expect(output).not.toMatch(/ResourceWarning|skipped/);
}, 600_000);

it('type-checks under mypy --strict for Python 3.9 (Debian mypy, installed by .ci/run)', async () => {
  const { code, output } = await run('mypy', ['--strict', '--python-version', '3.9', '--cache-dir=/dev/null', 'mreg'], {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
  });
  expect(code, output).toBe(0);
  expect(output).toMatch(/^Success: no issues found in \d+ source files/m);
}, 120_000);
