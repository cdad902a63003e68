/**
 * Faults. Cloud backends: the SDK clients talk to storage servers of their own through a fault
 * proxy (drops, delays, 500/503, responses cut mid-body or lost after the write) while workers
 * push versions and drop-in events are delivered, and those servers (aws: s3rver and DynamoDB
 * Local; azure: Azurite) are SIGKILLed and restarted on their data at seeded points of the
 * flow. Local: the registry's own server process is SIGKILLed and restarted the same way.
 * Afterwards, faults off: the state checks, the sweeper and a reconciliation pass.
 */
import { randomBytes } from 'node:crypto';
import { startLocalServer } from '../../../functions/local/server.js';
import type { ObjectCreatedEvent } from '../../../shared/service/object-created.js';
import type { CrashableServer } from '../../support/crashable-server.js';
import { type Backend, DROP_IN_WRITER, type Registry } from '../backend.js';
import { deliverAll } from '../delivery-queue.js';
import { checkState, type StateFigures } from '../faults/fault-checks.js';
import { type FlowFigures, runFaultFlow } from '../faults/fault-flow.js';
import { FaultPlan } from '../faults/fault-plan.js';
import { type KillSchedule, killSchedule } from '../faults/kill-schedule.js';
import { CRASH_SETTINGS, startCrashingServer } from '../faults/local-crash.js';
import { movableClock } from '../movable-clock.js';
import { ADMIN } from '../principal-header.js';
import { RegistryClient } from '../registry-client.js';

export interface FaultFigures extends StateFigures {
  requests: number;
  /** Faults injected: requests the proxy dropped, delayed, failed or cut (cloud); server kills (local). */
  injected: number;
  /** Server processes SIGKILLed mid-flow and restarted: the storage servers (cloud), the registry's server (local). */
  kills: number;
  /** Kills the seeded plan called for; a flow that ended before one of them leaves `kills` short. */
  killsPlanned: number;
  /** 5xx other than 503 that reached a caller: not recognisably retriable. */
  unexpected5xx: number;
  flow: FlowFigures;
  extra: Record<string, unknown>;
}

export interface FaultOptions {
  workers: number;
  iterations: number;
  rate: number;
  seed: number;
  /** Server kills, at seeded points of the flow (taking turns over the servers). */
  kills: number;
}

/** The seeded kill points over a flow of `options`: it makes at least 4 calls per push (create, upload, commit, alias). */
const scheduleFor = (servers: CrashableServer[], options: FaultOptions): KillSchedule =>
  killSchedule(servers, {
    kills: options.kills,
    minimumCalls: options.workers * options.iterations * 4,
    seed: options.seed,
  });

export async function cloudFaults(backend: Backend, options: FaultOptions): Promise<FaultFigures> {
  const plan = new FaultPlan(options.rate, options.seed);
  const reg = await backend.open({ faults: plan, crashes: true, settings: CRASH_SETTINGS });
  try {
    const servers = reg.crashable ?? [];
    const kills = scheduleFor(servers, options);
    const model = `faults-${reg.backend}`;
    await new RegistryClient(reg).createModel(model);
    plan.enabled = true;
    const flow = await runFaultFlow(reg, model, { ...options, sharedEvery: 3, onCall: kills.onCall });
    await kills.settled();
    const events: ObjectCreatedEvent[] = [];
    for (let i = 0; i < options.workers; i++) {
      const bytes = randomBytes(700 + i);
      const key = `incoming/faults-drop-${reg.backend}-${i}/model.bin`;
      const etag = await reg.putObject(key, bytes);
      events.push({ key, size: bytes.length, etag, creator: DROP_IN_WRITER });
    }
    const delivered = await deliverAll(reg, [...events, ...events]);
    plan.enabled = false;
    // A dead-lettered notification is not the end of a drop-in: the sweeper reconciles incoming/
    // (DESIGN.md, drop-in delivery). After it, each drop-in must have exactly one READY version.
    const swept = await reg.registry.sweep().catch(() => undefined);
    // The state checks move the clock past every timeout and sweep again: an idempotency
    // reservation left by a failed attempt goes stale, as it would minutes later in production.
    const state = await checkState(reg, model);
    const dropIns = { lost: [] as string[], duplicated: [] as string[] };
    for (const event of events) {
      const dropModel = event.key.split('/')[1] ?? '';
      const listed = await reg.registry.versions.list(ADMIN, dropModel, { pageSize: '100' }).catch(() => undefined);
      const ready = (listed?.items ?? []).filter((v) => v.state === 'READY').length;
      if (ready === 0) dropIns.lost.push(dropModel);
      if (ready > 1) dropIns.duplicated.push(dropModel);
    }
    const rejected = delivered.outcomes
      .filter((o) => o.kind === 'rejected')
      .map((o) => ('reason' in o ? o.reason : ''));
    state.corruptStates += dropIns.lost.length + dropIns.duplicated.length;
    return {
      requests: plan.stats.requests,
      injected: plan.stats.injected,
      kills: servers.reduce((n, s) => n + s.kills, 0),
      killsPlanned: options.kills,
      unexpected5xx: flow.unexpected5xx,
      ...state,
      flow,
      extra: {
        killsByServer: kills.byServer(),
        killPoints: kills.points,
        unavailable: flow.unavailable,
        networkErrors: flow.networkErrors,
        byKind: plan.stats.byKind,
        dropInsDeadLettered: delivered.deadLettered,
        dropInsRegisteredBySweep: swept?.incoming.registered ?? 0,
        dropIns,
        rejectedDropIns: rejected.slice(0, 5),
        causesOf5xx: reg.unexpectedErrors,
      },
    };
  } finally {
    await reg.close();
  }
}

/** The local server killed (SIGKILL) and restarted while the workers push over real HTTP. */
export async function localCrashFaults(options: FaultOptions): Promise<FaultFigures> {
  const server = await startCrashingServer();
  try {
    const target = {
      fetch: (request: Request) =>
        fetch(new Request(request.url.replace('http://registry.test', server.url), request), { redirect: 'manual' }),
      sendSigned: (url: string, init: RequestInit) => fetch(url, init),
    };
    const model = 'faults-local';
    await new RegistryClient(target).createModel(model);
    const kills = scheduleFor([server], options);
    const flow = await runFaultFlow(target, model, { ...options, sharedEvery: 3, onCall: kills.onCall });
    await kills.settled();
    await server.stop();
    // Reconcile in-process over the same data directory, with a clock the check can move.
    const clock = movableClock();
    const local = await startLocalServer({
      dataDir: server.dataDir,
      port: 0,
      host: '127.0.0.1',
      sweepIntervalMs: 0,
      clock,
    });
    const reg: Registry = {
      backend: 'local',
      registry: local.registry,
      metadata: local.registry.context.metadata,
      objects: local.objects,
      clock,
      prefix: local.registry.context.settings.prefix,
      fetch: (request) => fetch(request),
      unexpectedErrors: [],
      sendSigned: (url, init) => fetch(url, init),
      putObject: (key, bytes, metadata) => local.objects.put(key, bytes, metadata),
      close: () => local.close(),
    };
    try {
      const state = await checkState(reg, model);
      return {
        requests: flow.calls,
        injected: server.kills,
        kills: server.kills,
        killsPlanned: options.kills,
        unexpected5xx: flow.unexpected5xx,
        ...state,
        flow,
        extra: { killPoints: kills.points, unavailable: flow.unavailable, networkErrors: flow.networkErrors },
      };
    } finally {
      await reg.close();
    }
  } finally {
    await server.stop();
    await server.cleanup();
  }
}
