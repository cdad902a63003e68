/**
 * MLflow's `runs/log-batch` with 500 metric points through the compatibility layer, against
 * the native `POST /v1/runs/{id}/metrics` with the same 500 points, on one local server in one
 * run, interleaved round by round (goal: the layer within 1.2x). Prints one JSON object.
 * Usage: tsx bench/mlflow-log-batch.ts [--rounds 200]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalServer } from '../functions/local/server.js';

const { values } = parseArgs({ options: { rounds: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 200);
const POINTS = 500;

const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-mlflow-batch-'));
const server = await startLocalServer({ dataDir: dir, port: 0, host: '127.0.0.1', sweepIntervalMs: 0 });
const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
};
const points = (round: number) =>
  Array.from({ length: POINTS }, (_, i) => ({
    key: i % 2 ? 'loss' : 'accuracy',
    value: Math.random(),
    step: round * POINTS + i,
    timestamp: 1_700_000_000_000 + round,
  }));
const timed = async (f: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;
const round2 = (x: number) => Number(x.toFixed(2));

try {
  const experiment = (await post('/v1/experiments', { name: 'bench' })) as { id: string };
  const nativeRun = (await post(`/v1/experiments/${experiment.id}/runs`, { name: 'native' })) as { id: string };
  const layerRun = (
    (await post('/api/2.0/mlflow/runs/create', { experiment_id: experiment.id })) as {
      run: { info: { run_id: string } };
    }
  ).run.info.run_id;
  const native: number[] = [];
  const layer: number[] = [];
  const ratios: number[] = [];
  for (let round = -10; round < ROUNDS; round++) {
    const batch = points(round + 10);
    const viaNative = () => post(`/v1/runs/${nativeRun.id}/metrics`, { metrics: batch });
    const viaLayer = () => post('/api/2.0/mlflow/runs/log-batch', { run_id: layerRun, metrics: batch });
    // Alternate which goes first, so neither always meets a warmer server.
    const [a, b] = round % 2 ? [await timed(viaNative), await timed(viaLayer)] : [0, 0];
    const [c, d] = round % 2 ? [0, 0] : [await timed(viaLayer), await timed(viaNative)];
    const n = a || d;
    const l = b || c;
    if (round < 0) continue; // warm-up
    native.push(n);
    layer.push(l);
    ratios.push(l / n);
  }
  const ratio = median(layer) / median(native);
  console.log(
    JSON.stringify({
      benchmark: 'mlflow-log-batch',
      rounds: ROUNDS,
      pointsPerBatch: POINTS,
      nativeMedianMs: round2(median(native)),
      layerMedianMs: round2(median(layer)),
      ratioOfMedians: round2(ratio),
      medianPairedRatio: round2(median(ratios)),
      goal: { ratioMax: 1.2 },
      pass: ratio <= 1.2,
    }),
  );
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
