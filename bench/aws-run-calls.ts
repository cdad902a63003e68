/**
 * What the tracking calls a training job makes most cost on AWS: DynamoDB requests per call and
 * latency through the Lambda `api` handler (bundled as the stack bundles it), against DynamoDB
 * Local. MLflow's per-step `runs/log-metric` (one point), `runs/get` and `runs/set-tag`, and the native
 * `POST /v1/runs/{id}/metrics` and `GET /v1/runs/{id}`, on a run made by another process (the
 * handler's registry first meets it here) and measured warm, as a function serving a job is.
 * DynamoDB Local answers on loopback in well under a millisecond; `--rtt-ms` adds that much
 * before each request, as the network between a function and DynamoDB would (a few ms), so
 * the latency shows how many round trips a call waits for one after another.
 * Usage: npm run bench:aws-run-calls [-- --calls 200 --rtt-ms 4]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { ALL_SCOPES } from '../shared/ports/auth.js';
import { RegistryApi } from '../shared/service/registry-api.js';
import { startAwsTestBed } from '../test/support/aws/aws-registry.js';
import { apiEvent } from '../test/support/aws/events.js';
import { bundledCreateApiHandler, countRequests } from './aws-handler-bench.js';

const { values } = parseArgs({ options: { calls: { type: 'string' }, 'rtt-ms': { type: 'string' } } });
const CALLS = Number(values.calls ?? 200);
const RTT_MS = Number(values['rtt-ms'] ?? 0);
const actor = { subject: 'bench', scopes: ALL_SCOPES };
const claims = { sub: 'bench', scope: 'registry.read registry.write' };

const bed = await startAwsTestBed('mreg-bench-run-calls');
const dir = await mkdtemp(join(tmpdir(), 'mreg-run-calls-'));
try {
  const createApiHandler = await bundledCreateApiHandler(dir);
  const dynamoCalls = countRequests(bed.dynamo.client);
  if (RTT_MS > 0)
    bed.dynamo.client.middlewareStack.add(
      (next) => async (args) => {
        await new Promise((resolve) => setTimeout(resolve, RTT_MS));
        return next(args);
      },
      { step: 'finalizeRequest', name: 'networkRoundTrip' },
    );
  // The run is made by another registry (another process); the handler's own meets it cold.
  const maker = new RegistryApi(bed.aws.registry.context);
  const experiment = await maker.tracking.createExperiment(actor, { name: 'bench-run-calls' });
  const run = (await maker.tracking.createRun(actor, experiment.id, {})).id;
  const handler = createApiHandler({
    registry: new RegistryApi(bed.aws.registry.context),
    logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
  });

  let step = 0;
  const calls: Record<string, () => Parameters<typeof handler>[0]> = {
    mlflowLogMetric: () =>
      apiEvent({
        method: 'POST',
        path: '/api/2.0/mlflow/runs/log-metric',
        claims,
        body: { run_id: run, key: 'loss', value: Math.random(), step: step++, timestamp: Date.now() },
      }),
    mlflowGetRun: () => apiEvent({ method: 'GET', path: '/api/2.0/mlflow/runs/get', query: `run_id=${run}`, claims }),
    mlflowSetTag: () =>
      apiEvent({
        method: 'POST',
        path: '/api/2.0/mlflow/runs/set-tag',
        claims,
        body: { run_id: run, key: 'phase', value: `epoch-${step++}` },
      }),
    nativeLogMetrics: () =>
      apiEvent({
        method: 'POST',
        path: `/v1/runs/${run}/metrics`,
        claims,
        body: { metrics: [{ key: 'loss', value: Math.random(), step: step++ }] },
      }),
    nativeGetRun: () => apiEvent({ method: 'GET', path: `/v1/runs/${run}`, claims }),
  };
  const call = async (name: string) => {
    const make = calls[name];
    if (!make) throw new Error(name);
    const result = await handler(make());
    if ((result.statusCode ?? 500) >= 300) throw new Error(`${name}: ${result.statusCode} ${result.body}`);
  };
  const requestsOf = async (name: string) => {
    const before = dynamoCalls();
    await call(name);
    return dynamoCalls() - before;
  };
  const names = Object.keys(calls);
  const firstCall = Object.fromEntries([[names[0], await requestsOf(names[0] as string)]]);
  for (let i = 0; i < 20; i++) for (const name of names) await call(name);
  const requests: Record<string, number> = {};
  for (const name of names) requests[name] = await requestsOf(name);

  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < CALLS; i++)
    for (const name of names) {
      const t = performance.now();
      await call(name);
      samples[name]?.push(performance.now() - t);
    }
  const p = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return +(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0).toFixed(2);
  };
  console.log(
    JSON.stringify(
      {
        benchmark: 'aws run calls',
        node: process.version,
        calls: CALLS,
        addedRoundTripMs: RTT_MS,
        // The handler's registry meets the run: its first call also reads where the run lives.
        dynamoRequestsFirstCall: firstCall,
        dynamoRequestsPerCallWarm: requests,
        latencyMs: Object.fromEntries(
          names.map((n) => [n, { p50: p(samples[n] ?? [], 0.5), p95: p(samples[n] ?? [], 0.95) }]),
        ),
      },
      null,
      2,
    ),
  );
} finally {
  await bed.stop();
  await rm(dir, { recursive: true, force: true });
}
