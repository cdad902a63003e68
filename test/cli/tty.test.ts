/**
 * What a person sees at a terminal: the CLI run under a pseudo-terminal (util-linux `script`)
 * draws progress bars with bytes, rate and ETA on stderr, and prints aligned tables with a
 * bold header and coloured states.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, type CliHome, cliHome } from '../support/cli-runner.js';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';

let registry: TestRegistry;
let home: CliHome;

beforeAll(async () => {
  registry = await startTestRegistry();
  home = await cliHome({ MREG_URL: registry.url, TERM: 'xterm-256color' });
});
afterAll(async () => {
  await registry?.stop();
  await home?.remove();
});

/** Runs mreg under a pseudo-terminal; `-e` hands back its exit code. */
const onTerminal = (args: string[]) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    const line = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    execFile(
      'script',
      ['-qec', line, '/dev/null'],
      { env: home.env(), cwd: join(home.dir, 'work'), maxBuffer: 1 << 24 },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout }),
    );
  });

const ESC = String.fromCharCode(27);
const stripAnsi = (text: string) => text.replace(new RegExp(`${ESC}(\\[[0-9;?]*[A-Za-z]|[78])`, 'g'), '');
/** The frames a bar drew: each starts at column 1 (CSI 1G) or on a new line. */
const framesOf = (output: string) => output.split(new RegExp(`${ESC}\\[1G|\\r|\\n`)).map(stripAnsi);

it('progress bars while pushing and pulling; tables with a bold header and aligned columns', async () => {
  await writeFile(join(home.dir, 'work', 'model.bin'), randomBytes(12 * 1024 * 1024));
  const pushed = await onTerminal(['push', 'tty-model', 'model.bin', '--create', '--label', '1.0']);
  expect(pushed.code, pushed.output).toBe(0);
  const frames = framesOf(pushed.output);
  const hashing = frames.filter((f) => f.startsWith('hashing'));
  const uploading = frames.filter((f) => f.startsWith('uploading'));
  expect(hashing.length).toBeGreaterThan(0);
  // The last frame: all bytes, a rate, the time it took.
  expect(uploading.at(-1)).toMatch(/100%\s+12\.0 MiB\/12\.0 MiB\s+[\d.]+ [KMG]?i?B\/s\s+in [\d.]+s/);
  expect(pushed.output).toContain('\u001b[32m✓\u001b[39m Pushed tty-model version 1 (label 1.0)');

  const pulled = await onTerminal(['pull', 'tty-model@1.0', 'out']);
  expect(pulled.code).not.toBe(0);
  const byLabel = await onTerminal(['pull', 'tty-model@label:1.0', 'out']);
  expect(byLabel.code, byLabel.output).toBe(0);
  expect(
    framesOf(byLabel.output)
      .filter((f) => f.startsWith('downloading'))
      .at(-1),
  ).toMatch(/^downloading\s+█+\s+100%\s+12\.0 MiB\/12\.0 MiB/);

  const listed = await onTerminal(['versions', 'ls', 'tty-model']);
  expect(listed.code).toBe(0);
  expect(listed.output).toContain('\u001b[1mVERSION\u001b[22m');
  expect(listed.output).toContain('\u001b[32mREADY\u001b[39m');
  const lines = stripAnsi(listed.output).trim().split(/\r?\n/);
  expect(lines[0]).toMatch(/^VERSION\s+LABEL\s+STATE\s+ALIASES\s+FILES\s+SIZE\s+CREATED$/);
  expect(lines[1]).toMatch(/^\s+1\s+1\.0\s+READY\s+1\s+12\.0 MiB\s+\d{4}-\d\d-\d\d \d\d:\d\d$/);
  // Columns line up: the header's STATE starts where the row's READY does.
  expect(lines[1]?.indexOf('READY')).toBe(lines[0]?.indexOf('STATE'));
}, 120_000);
