/**
 * The Python client against the Node CLI, each against its own fresh local server: push and pull
 * of the same random file (1 GiB by default), as the commands a user runs (`node cli/bin.mjs` and
 * `python3 -m mreg`; each one's start-up time is given apart), and `log_metric` in a tight loop
 * (bench/python-log-metric.py). Prints one JSON object.
 * Usage: npx tsx bench/python-client.ts [--mib 1024] [--steps 100000] [--threshold-mib N: multipart above N MiB]
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sha256OfFile } from '../cli/push.js';
import { type LocalServer, startLocalServer } from '../functions/local/server.js';
import { discardEvents } from '../shared/ports/event-sink.js';
import { writeRandomFile } from './push-pull-figures.js';

const { values } = parseArgs({
  options: { mib: { type: 'string' }, steps: { type: 'string' }, 'threshold-mib': { type: 'string' } },
});
const MIB = Number(values.mib ?? 1024);
const STEPS = Number(values.steps ?? 100_000);
const THRESHOLD = values['threshold-mib'] ? Number(values['threshold-mib']) * 1024 * 1024 : undefined;
const PYTHON = '/usr/bin/python3';
const ROOT = join(import.meta.dirname, '..');

/** A child process, timed; asynchronous, because the server it talks to lives in this process. */
function timed(command: string, args: string[], env: Record<string, string>, cwd = ROOT) {
  return new Promise<{ seconds: number; stdout: string }>((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const seconds = Number(((performance.now() - started) / 1000).toFixed(3));
      if (code === 0) done({ seconds, stdout });
      else fail(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

interface Client {
  name: string;
  command: string;
  prefix: string[];
  push(file: string): string[];
  pull(dest: string): string[];
  start: string[];
}

const clients: Client[] = [
  {
    name: 'nodeCli',
    command: process.execPath,
    prefix: [join(ROOT, 'cli', 'bin.mjs')],
    push: (file) => ['push', 'bench', file],
    pull: (dest) => ['pull', 'bench@latest', dest],
    start: [join(ROOT, 'cli', 'bin.mjs'), 'models', 'ls'],
  },
  {
    name: 'python',
    command: PYTHON,
    prefix: ['-m', 'mreg'],
    push: (file) => ['push', 'bench', file],
    pull: (dest) => ['pull', 'bench@latest', dest],
    start: ['-m', 'mreg', 'models', 'ls'],
  },
];

const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-py-'));
const file = join(dir, 'model.bin');
const round = (n: number) => Number(n.toFixed(3));
try {
  await writeRandomFile(file, MIB);
  const { sha256 } = await sha256OfFile(file);
  const figures: Record<string, unknown> = {};
  for (const client of clients) {
    const data = join(dir, `data-${client.name}`);
    const server: LocalServer = await startLocalServer({
      dataDir: data,
      port: 0,
      host: '127.0.0.1',
      sweepIntervalMs: 0,
      events: discardEvents,
      ...(THRESHOLD ? { settings: { multipartThresholdBytes: THRESHOLD } } : {}),
    });
    try {
      const env = {
        MREG_URL: server.url,
        PYTHONPATH: join(ROOT, 'clients', 'python'),
        MREG_CACHE_DIR: join(dir, `cache-${client.name}`),
      };
      await fetch(`${server.url}/v1/models`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench' }),
      });
      const start = await timed(client.command, client.start, env);
      // From the file's directory: the Node CLI on main names a file by its path relative to the working directory.
      const push = await timed(client.command, [...client.prefix, ...client.push('model.bin')], env, dir);
      const out = join(dir, `out-${client.name}`);
      await mkdir(out, { recursive: true });
      const pull = await timed(client.command, [...client.prefix, ...client.pull(out)], env, dir);
      const pulled = await sha256OfFile(join(out, 'model.bin'));
      figures[client.name] = {
        startAndListModelsSeconds: start.seconds,
        push: { seconds: push.seconds, mibPerSecond: round(MIB / push.seconds) },
        pull: { seconds: pull.seconds, mibPerSecond: round(MIB / pull.seconds), verified: pulled.sha256 === sha256 },
      };
      await rm(out, { recursive: true, force: true });
    } finally {
      await server.close();
      await rm(data, { recursive: true, force: true });
    }
  }
  const node = figures.nodeCli as { push: { seconds: number }; pull: { seconds: number } };
  const python = figures.python as { push: { seconds: number }; pull: { seconds: number } };

  const metricsServer = await startLocalServer({
    dataDir: join(dir, 'data-metrics'),
    port: 0,
    host: '127.0.0.1',
    sweepIntervalMs: 0,
    events: discardEvents,
  });
  let logMetric: unknown;
  try {
    const run = await timed(PYTHON, ['bench/python-log-metric.py', metricsServer.url, String(STEPS)], {});
    logMetric = JSON.parse(run.stdout);
  } finally {
    await metricsServer.close();
  }
  console.log(
    JSON.stringify({
      benchmark: 'python-client',
      mib: MIB,
      multipartThresholdMib: THRESHOLD ? THRESHOLD / 1024 / 1024 : 'server default (4096)',
      ...figures,
      pythonOverNode: {
        push: round(python.push.seconds / node.push.seconds),
        pull: round(python.pull.seconds / node.pull.seconds),
      },
      logMetric,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
