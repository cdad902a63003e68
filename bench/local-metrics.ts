/**
 * Metric logging on the local server: batches of 500 points from 20 concurrent connections
 * (goal: mean under 13 ms). Prints one JSON object. Usage: tsx bench/local-metrics.ts [--batches 400]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalServer } from '../functions/local/server.js';

const { values } = parseArgs({ options: { batches: { type: 'string' }, connections: { type: 'string' } } });
const BATCHES = Number(values.batches ?? 400);
const CONNECTIONS = Number(values.connections ?? 20);
const POINTS = 500;

const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-metrics-'));
const server = await startLocalServer({ dataDir: dir, port: 0, host: '127.0.0.1', sweepIntervalMs: 0 });
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
};

try {
  const experiment = await post('/v1/experiments', { name: 'bench' });
  const runs = await Promise.all(
    Array.from({ length: CONNECTIONS }, (_, i) => post(`/v1/experiments/${experiment.id}/runs`, { name: `r${i}` })),
  );
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    runs.map(async (run) => {
      for (;;) {
        const batch = next++;
        if (batch >= BATCHES) return;
        const metrics = Array.from({ length: POINTS }, (_, i) => ({
          key: i % 2 ? 'loss' : 'accuracy',
          value: Math.random(),
          step: batch * POINTS + i,
          timestamp: 1_700_000_000_000 + batch,
        }));
        const t = performance.now();
        await post(`/v1/runs/${run.id}/metrics`, { metrics });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  const at = (q: number) => Number((latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(2));
  console.log(
    JSON.stringify({
      benchmark: 'local-metrics',
      batches: BATCHES,
      pointsPerBatch: POINTS,
      connections: CONNECTIONS,
      meanMs: Number(mean.toFixed(2)),
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      pointsPerSecond: Math.round((BATCHES * POINTS) / (elapsed / 1000)),
      goal: { meanMsMax: 13 },
      pass: mean < 13,
    }),
  );
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
