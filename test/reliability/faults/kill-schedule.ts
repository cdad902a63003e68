/**
 * When a fault flow kills its servers: at seeded points of the flow's progress (its Nth call),
 * not at times, so every kill lands mid-flow and a run repeats from its seed. One kill at a
 * time; a kill whose point passes while a restart is under way follows right after it.
 */
import type { CrashableServer } from '../../support/crashable-server.js';
import { SeededRandom } from '../seeded-random.js';

export interface KillSchedule {
  /** The calls at which the kills fall due, ascending. */
  readonly points: readonly number[];
  /** The server each kill takes, in order. */
  readonly targets: readonly string[];
  /** Give this to the flow (`onCall`). */
  onCall(calls: number): void;
  /** Resolves when the kill under way (if any) has restarted its server; rejects if a restart failed. */
  settled(): Promise<void>;
  /** Kills done, per server name. */
  byServer(): Record<string, number>;
}

/**
 * `kills` kill points, one in each of `kills` equal stretches of the first 70% of `minimumCalls`
 * (the fewest calls the flow makes), so the last one falls well before the flow can end.
 * Targets take turns over `servers` in the order given.
 */
export function killSchedule(
  servers: readonly CrashableServer[],
  options: { kills: number; minimumCalls: number; seed: number },
): KillSchedule {
  if (servers.length === 0) throw new Error('a kill schedule needs a server to kill');
  const random = new SeededRandom(options.seed);
  const first = 3;
  const stretch = Math.max(1, Math.floor((options.minimumCalls * 0.7 - first) / Math.max(1, options.kills)));
  const points = Array.from({ length: options.kills }, (_, i) => first + i * stretch + random.int(stretch));
  const targets = points.map((_, i) => servers[i % servers.length] as CrashableServer);
  let next = 0;
  let busy = false;
  let failure: unknown;
  let running: Promise<void> = Promise.resolve();
  return {
    points,
    targets: targets.map((s) => s.name),
    onCall(calls) {
      if (busy || next >= points.length || calls < (points[next] ?? Number.POSITIVE_INFINITY)) return;
      const target = targets[next++] as CrashableServer;
      busy = true;
      running = target
        .crashAndRestart()
        .catch((e: unknown) => {
          failure ??= e;
        })
        .finally(() => {
          busy = false;
        });
    },
    async settled() {
      await running;
      if (failure !== undefined) throw failure;
    },
    byServer() {
      const out: Record<string, number> = {};
      for (const s of servers) out[s.name] = (out[s.name] ?? 0) + s.kills;
      return out;
    },
  };
}
