/**
 * P4, metric logging on the local server: batches of 500 points (two keys) from 20 connections
 * for 30 s, from autocannon in this process against the registry in a child process; the same
 * against the code before packed series (an earlier commit, checked out here) in the same run.
 * Goal: mean under 13 ms and at least 10x the points/s of the earlier code. Also the cost of
 * validating one 500-point batch (the fast path against the zod schema). Prints one JSON object.
 *
 * Usage: npm run bench:metrics [-- --seconds 30 --connections 20 --baseline <commit> --rounds 1]
 */
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../infra/aws/bundling.js';
import { acceptLogMetrics } from '../shared/log-metrics-fast-path.js';
import { LogMetricsRequest } from '../shared/schemas.js';
import { checkoutCommit } from './earlier-checkout.js';
import { type LoadFigures, runLoad, type ServerProcess, startRegistryProcess } from './load.js';

/** The last commit before packed metric series (issue #15). */
const BEFORE_PACKING = '6687c98';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    connections: { type: 'string' },
    baseline: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds ?? 30);
const CONNECTIONS = Number(values.connections ?? 20);
const ROUNDS = Number(values.rounds ?? 1);
const POINTS = 500;
/** More runs than connections: a run rarely has two batches in flight, as with one worker per run. */
const RUNS = CONNECTIONS * 4;

const values500 = Array.from({ length: POINTS }, () => Math.random());

/** One batch: steps continue the run's series; built by concatenation, cheap for the load generator. */
function batchBody(batch: number): string {
  const base = Math.floor(batch / RUNS) * POINTS;
  const timestamp = 1_700_000_000_000 + batch;
  const parts: string[] = [];
  for (let i = 0; i < POINTS; i++)
    parts.push(
      `{"key":"${i % 2 ? 'loss' : 'accuracy'}","value":${values500[i]},"step":${base + i},"timestamp":${timestamp}}`,
    );
  return `{"metrics":[${parts.join(',')}]}`;
}

async function post(url: string, body: unknown): Promise<{ id: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

async function measure(server: ServerProcess): Promise<LoadFigures & { pointsPerSecond: number }> {
  const experiment = await post(`${server.url}/v1/experiments`, { name: `bench-${Date.now()}` });
  const runs: string[] = [];
  for (let i = 0; i < RUNS; i++) runs.push((await post(`${server.url}/v1/experiments/${experiment.id}/runs`, {})).id);
  let batch = 0;
  const figures = await runLoad(
    {
      url: server.url,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => {
            const n = batch++;
            return { ...request, path: `/v1/runs/${runs[n % RUNS]}/metrics`, body: batchBody(n) };
          },
        },
      ],
    },
    server,
  );
  return { ...figures, pointsPerSecond: figures.requestsPerSecond * POINTS };
}

function validationMs(): { zodMs: number; fastPathMs: number } {
  const body = JSON.parse(batchBody(0)) as unknown;
  const time = (f: () => unknown) => {
    for (let i = 0; i < 200; i++) f();
    const started = performance.now();
    for (let i = 0; i < 2000; i++) f();
    return Number(((performance.now() - started) / 2000).toFixed(4));
  };
  return {
    zodMs: time(() => LogMetricsRequest().safeParse(body)),
    fastPathMs: time(() => acceptLogMetrics(body)),
  };
}

const earlier = await checkoutCommit(values.baseline ?? BEFORE_PACKING);
const rounds: Array<{ before: LoadFigures; now: LoadFigures }> = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so drift in the machine's load does not favour one side.
    const order = round % 2 === 0 ? (['before', 'now'] as const) : (['now', 'before'] as const);
    const result: Partial<Record<'before' | 'now', LoadFigures>> = {};
    for (const side of order) {
      const server = await startRegistryProcess(side === 'before' ? earlier.root : PROJECT_ROOT);
      try {
        result[side] = await measure(server);
      } finally {
        await server.stop();
      }
    }
    if (result.before && result.now) rounds.push({ before: result.before, now: result.now });
  }
} finally {
  await earlier.remove();
}

const mean = (f: (r: { before: LoadFigures; now: LoadFigures }) => number) =>
  rounds.reduce((sum, r) => sum + f(r), 0) / rounds.length;
// Points/s over the whole run on each side: one slow round of the earlier code does not inflate it
// as a mean of per-round ratios would.
const nowRate = mean((r) => r.now.requestsPerSecond);
const beforeRate = Math.max(
  1,
  mean((r) => r.before.requestsPerSecond),
);
const ratio = nowRate / beforeRate;
const rateRatio = (r: { before: LoadFigures; now: LoadFigures }) =>
  Number((r.now.requestsPerSecond / Math.max(1, r.before.requestsPerSecond)).toFixed(2));
console.log(
  JSON.stringify({
    benchmark: 'local-metrics',
    pointsPerBatch: POINTS,
    connections: CONNECTIONS,
    seconds: SECONDS,
    runs: RUNS,
    baselineCommit: earlier.commit,
    rounds,
    pointsPerSecondRatio: Number(ratio.toFixed(2)),
    roundRatios: rounds.map(rateRatio),
    validationOf500Points: validationMs(),
    goal: { meanMsMax: 13, pointsPerSecondRatioMin: 10 },
    pass: rounds.length > 0 && mean((r) => r.now.meanMs) < 13 && ratio >= 10 && rounds.every((r) => r.now.non2xx === 0),
  }),
);
