/**
 * The `mreg` CLI as a person runs it (the real bin, a child process, no terminal), in one run:
 *  - its start (`mreg --version`) against `node -e 0`, interleaved rounds (goal: < 150 ms over);
 *  - push and pull of one file (default 1 GiB) against the local server and against the AWS
 *    handlers (behind the stand-in API Gateway) on s3rver + DynamoDB Local, next to a raw signed
 *    PUT and GET of the same bytes to the same storage, and identical bytes pushed again;
 *  - on s3rver, Debian's `aws s3 cp` up and down (goal: push and pull at least its speed).
 * Push time runs until the version is READY (hashing, upload, the registry's verification);
 * pull time until every file is verified and in place. Prints one JSON object.
 * Usage: tsx bench/cli.ts [--mib 1024] [--rounds 21]
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { bundleCli } from '../cli/bundle.mjs';
import { sha256OfFile } from '../cli/files.js';
import { awsBackend, type CliBackend, localBackend } from '../test/cli/backends.js';
import { awsCliEnv, startS3rver } from '../test/support/aws/servers.js';
import { BIN } from '../test/support/cli-runner.js';
import { rawTransfer, seconds, writeRandomFile } from './push-pull-figures.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { mib: { type: 'string' }, rounds: { type: 'string' } } });
const MIB = Number(values.mib ?? 1024);
const ROUNDS = Number(values.rounds ?? 21);
const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-cli-'));
const file = join(dir, 'model.bin');

const round3 = (n: number) => Number(n.toFixed(3));
const quartiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))] ?? Number.NaN;
  return { p25: round3(at(0.25)), median: round3(at(0.5)), p75: round3(at(0.75)) };
};

/** Wall time of a process, in ms. */
function timed(args: string[]): number {
  const t = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
  return performance.now() - t;
}

function startup() {
  const bare: number[] = [];
  const mreg: number[] = [];
  const over: number[] = [];
  timed([BIN, '--version']);
  for (let i = 0; i < ROUNDS; i++) {
    const a = timed(['-e', '0']);
    const b = timed([BIN, '--version']);
    bare.push(a);
    mreg.push(b);
    over.push(b - a);
  }
  const overMs = quartiles(over);
  return {
    rounds: ROUNDS,
    nodeBareMs: quartiles(bare),
    mregVersionMs: quartiles(mreg),
    overMs,
    goalOverMsMax: 150,
    pass: overMs.median < 150,
  };
}

async function mreg(backend: CliBackend, home: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [BIN, ...args, '--json'], {
    cwd: dir,
    maxBuffer: 1 << 24,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: join(home, '.cache'),
      MREG_URL: backend.url,
      MREG_TOKEN: backend.token,
    },
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

async function measure(name: string, start: () => Promise<CliBackend>, sha256: string) {
  const backend = await start();
  const home = await mkdtemp(join(dir, 'home-'));
  try {
    const raw = await rawTransfer(backend.objects, file, dir, { size: MIB * 1024 * 1024, sha256 });
    const mbps = (s: number) => Number((MIB / s).toFixed(1));
    let pushed: Record<string, unknown> = {};
    const push = await seconds(async () => {
      pushed = await mreg(backend, home, ['push', 'bench', file, '--create']);
    });
    const out = join(dir, `pulled-${name}`);
    const pull = await seconds(() => mreg(backend, home, ['pull', 'bench@1', out]));
    const verified = (await sha256OfFile(join(out, 'model.bin'))).sha256 === sha256;
    await rm(out, { recursive: true, force: true });
    let again: Record<string, unknown> = {};
    const identical = await seconds(async () => {
      again = await mreg(backend, home, ['push', 'bench', file, '--label', 'again']);
    });
    return {
      backend: backend.name,
      rawPut: { seconds: raw.put, mibPerSecond: mbps(raw.put) },
      rawGet: { seconds: raw.get, mibPerSecond: mbps(raw.get) },
      push: {
        seconds: push,
        mibPerSecond: mbps(push),
        vsRawPut: round3(raw.put / push),
        state: pushed.state,
        uploadedBytes: pushed.uploadedBytes,
      },
      pull: { seconds: pull, mibPerSecond: mbps(pull), vsRawGet: round3(raw.get / pull), verified },
      identicalAgain: {
        seconds: identical,
        uploadedBytes: again.uploadedBytes,
        goalSecondsMax: 2,
        pass: identical < 2,
      },
    };
  } finally {
    await backend.stop();
    await rm(home, { recursive: true, force: true });
  }
}

try {
  await bundleCli();
  const started = { loadavg: loadavg().map((l) => Number(l.toFixed(2))), cpus: cpus().length };
  const cliStart = startup();
  await writeRandomFile(file, MIB);
  const { sha256 } = await sha256OfFile(file);
  const local = await measure('local', () => localBackend({ gated: false }), sha256);
  const aws = await measure('aws', () => awsBackend({ gated: false }), sha256);
  // Debian's aws CLI against a fresh s3rver of its own, with the same file.
  const s3 = await startS3rver();
  let awsS3Cp: Record<string, unknown>;
  try {
    const env = awsCliEnv(dir);
    const cp = (...args: string[]) =>
      seconds(() =>
        run('/usr/bin/aws', ['--endpoint-url', s3.endpoint, 's3', 'cp', '--only-show-errors', ...args], {
          env,
          maxBuffer: 1 << 24,
        }),
      );
    const up = await cp(file, `s3://${s3.bucket}/bench/cp.bin`);
    const down = await cp(`s3://${s3.bucket}/bench/cp.bin`, join(dir, 'cp.out'));
    awsS3Cp = {
      upSeconds: up,
      downSeconds: down,
      pushVsCp: round3(up / aws.push.seconds),
      pullVsCp: round3(down / aws.pull.seconds),
      goal: 'mreg push and pull at least as fast as aws s3 cp on the same s3rver (ratio >= 1)',
    };
  } finally {
    await s3.stop();
  }
  console.log(
    JSON.stringify({
      benchmark: 'cli',
      mib: MIB,
      machine: { ...started, loadavgAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
      startup: cliStart,
      local,
      aws: { ...aws, awsS3Cp },
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
