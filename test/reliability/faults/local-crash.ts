/**
 * The local server as its own process (`functions/local/main.ts`), killed with SIGKILL at
 * seeded points of a flow and started again on the same port and data directory: a crash mid-flow.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/aws/servers.js';
import { type CrashableServer, crashableChild, sigkill } from '../../support/crashable-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * What a crash leaves behind waits this long: a killed request's Idempotency-Key "in progress",
 * a killed copy's WRITING blob row. Production's 30 s each (the function timeout) would make the
 * flow wait out every one; the rules tested are the same.
 */
const CRASH_TIMEOUT_SECONDS = 5;
/** The registry settings that shorten them, for every fault section's registry. */
export const CRASH_SETTINGS = {
  idempotencyInProgressSeconds: CRASH_TIMEOUT_SECONDS,
  blobWriteStaleSeconds: CRASH_TIMEOUT_SECONDS,
};

export interface CrashingServer extends CrashableServer {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

async function waitUntilUp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the local server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the local server did not come up in 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startCrashingServer(): Promise<CrashingServer> {
  const dir = await mkdtemp(join(tmpdir(), 'mreg-crash-'));
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/reliability/faults/crash-server-main.ts', String(port), dataDir],
      { cwd: ROOT, stdio: 'ignore' },
    );
    await waitUntilUp(url, child);
    return child;
  };
  const crashable = crashableChild('registry', await launch(), launch);
  return Object.assign(crashable, {
    url,
    dataDir,
    stop: () => sigkill(crashable.current()),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  });
}
