/**
 * What the HTTP load benchmarks share: a registry (or any server) in a child process of its
 * own, and autocannon driving it from this one, so the load generator never shares a thread
 * with the server it measures.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

export interface ServerProcess {
  url: string;
  /** CPU time (user + system) the process has used so far, in ms; on a shared machine a steadier figure than latency. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/** Linux: utime + stime of a process, from /proc/<pid>/stat (clock ticks of 10 ms). */
async function processCpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Starts a Node child running `args` and waits for the line on stdout naming its URL. */
export async function startServerProcess(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, MREG_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no URL from ${args.join(' ')} within 60 s`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  return {
    url,
    cpuMs: () => processCpuMs(child.pid),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A local registry (`functions/local/main.ts` of the checkout at `root`) on a free port, data in a temp dir. */
export async function startRegistryProcess(root: string): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mreg-bench-data-'));
  const server = await startServerProcess(
    ['--import', 'tsx', join(root, 'functions/local/main.ts'), '--port', '0', '--data-dir', dataDir],
    root,
  );
  return {
    url: server.url,
    cpuMs: server.cpuMs,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface LoadFigures {
  requests: number;
  /** The server's CPU time per request (ms), where the platform reports it. */
  serverCpuMsPerRequest?: number;
  non2xx: number;
  errors: number;
  requestsPerSecond: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

/** Load for `options.duration` seconds after `warmupSeconds` unmeasured (JIT, caches). */
export async function runLoad(
  options: autocannon.Options,
  server?: ServerProcess,
  warmupSeconds = 3,
): Promise<LoadFigures> {
  if (warmupSeconds > 0) await autocannon({ ...options, duration: warmupSeconds });
  const cpuBefore = await server?.cpuMs();
  const result = await autocannon(options);
  const cpuAfter = await server?.cpuMs();
  const seconds = result.duration;
  const ok = result.requests.total - result.non2xx;
  return {
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    requestsPerSecond: Math.round(ok / seconds),
    meanMs: Number(result.latency.mean.toFixed(2)),
    p50Ms: Number(result.latency.p50.toFixed(2)),
    p99Ms: Number(result.latency.p99.toFixed(2)),
    ...(cpuBefore !== undefined && cpuAfter !== undefined && Number.isFinite(cpuAfter - cpuBefore)
      ? { serverCpuMsPerRequest: Number(((cpuAfter - cpuBefore) / Math.max(1, result.requests.total)).toFixed(3)) }
      : {}),
  };
}
