/**
 * A server the tests run as a child process with its data on disk, which a crash test may kill
 * (SIGKILL: no chance to flush or finish a request) and start again on the same port and data.
 */
import type { ChildProcess } from 'node:child_process';

export interface CrashableServer {
  /** What runs: `registry`, `s3rver`, `dynamodb-local`, `azurite`. */
  name: string;
  /** SIGKILLs so far. */
  kills: number;
  /** SIGKILL, then start again on the same port and data; resolves once it answers again. */
  crashAndRestart(): Promise<void>;
}

/** SIGKILL, resolving once the process is gone. */
export async function sigkill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/** A running child that `launch` can start again: the crash and restart, and the count of kills. */
export function crashableChild(
  name: string,
  first: ChildProcess,
  launch: () => Promise<ChildProcess>,
): CrashableServer & { current(): ChildProcess } {
  let child = first;
  const server = {
    name,
    kills: 0,
    current: () => child,
    async crashAndRestart() {
      await sigkill(child);
      server.kills++;
      child = await launch();
    },
  };
  return server;
}
