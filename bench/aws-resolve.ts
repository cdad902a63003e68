/**
 * P5: resolving `-1` through the Lambda `api` handler (an API Gateway 2.0 event in, the
 * registry on DynamoDB Local and s3rver) against one direct SDK Query for the newest READY
 * row. Goal: handler <= 1.2x the direct Query (issue #15). Both run in this process, interleaved.
 * The handler is built as the stack builds it (infra/aws/bundling.ts: esbuild, with the light
 * `Headers`/`Request`/`Response` of functions/aws/lambda-fetch.ts in place of Node's), over the
 * test bed's registry, whose DynamoDB client counts the requests one resolve makes.
 * Usage: npm run bench:aws-resolve [-- --versions 100 --runs 400] (on the functions' Node 24, through npx);
 * npm run bench:aws-resolve:this-node on the Node at hand.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { ALL_SCOPES } from '../shared/ports/auth.js';
import { startAwsTestBed } from '../test/support/aws/aws-registry.js';
import { apiEvent } from '../test/support/aws/events.js';
import { bundledCreateApiHandler, countRequests } from './aws-handler-bench.js';

const { values } = parseArgs({ options: { versions: { type: 'string' }, runs: { type: 'string' } } });
const VERSIONS = Number(values.versions ?? 100);
const RUNS = Number(values.runs ?? 400);
const MODEL = 'bench';
const actor = { subject: 'bench', scopes: ALL_SCOPES };

const bed = await startAwsTestBed('mreg-bench');
const dir = await mkdtemp(join(tmpdir(), 'mreg-resolve-'));
try {
  const createApiHandler = await bundledCreateApiHandler(dir);
  const { registry } = bed.aws;
  const dynamoCalls = countRequests(bed.dynamo.client);

  // A model with VERSIONS READY versions sharing one blob: the bytes are uploaded once.
  const bytes = randomBytes(4096);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await registry.models.create(actor, { name: MODEL });
  for (let i = 0; i < VERSIONS; i++) {
    const created = await registry.versions.create(actor, MODEL, {
      files: [{ path: 'model.onnx', size: bytes.length, sha256 }],
    });
    const upload = created.uploads[0];
    if (upload && 'url' in upload)
      await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(bytes) });
    await registry.versions.commit(actor, MODEL, String(created.version.version));
  }

  const handler = createApiHandler({ registry, logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }) });
  const event = apiEvent({
    method: 'GET',
    path: `/v1/models/${MODEL}/versions/-1`,
    claims: { sub: 'bench', scope: 'registry.read' },
  });
  const viaHandler = async () => {
    const result = await handler(event);
    if (result.statusCode !== 200) throw new Error(`status ${result.statusCode}: ${result.body}`);
  };
  const query = new QueryCommand({
    TableName: bed.config.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ready)',
    ExpressionAttributeValues: { ':pk': { S: `M#${MODEL}` }, ':ready': { S: 'R#' } },
    Limit: 1,
    ConsistentRead: true,
  });
  const direct = async () => {
    const out = await bed.dynamo.client.send(query);
    if (out.Items?.length !== 1) throw new Error('no READY row');
  };

  const time = async (f: () => Promise<void>) => {
    const t = performance.now();
    await f();
    return performance.now() - t;
  };
  for (let i = 0; i < 50; i++) {
    await viaHandler();
    await direct();
  }
  const before = dynamoCalls();
  await viaHandler();
  const callsPerResolve = dynamoCalls() - before;

  const samples = { handler: [] as number[], direct: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    samples.handler.push(await time(viaHandler));
    samples.direct.push(await time(direct));
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    return { meanMs: +mean.toFixed(3), p50Ms: +at(0.5).toFixed(3), p95Ms: +at(0.95).toFixed(3) };
  };
  const h = stats(samples.handler);
  const d = stats(samples.direct);
  console.log(
    JSON.stringify(
      {
        benchmark: 'P5 aws resolve -1',
        node: process.version,
        versions: VERSIONS,
        runs: RUNS,
        handler: h,
        directQuery: d,
        ratio: { mean: +(h.meanMs / d.meanMs).toFixed(3), p50: +(h.p50Ms / d.p50Ms).toFixed(3), goal: 1.2 },
        dynamoRequestsPerResolve: callsPerResolve,
        meetsGoal: h.p50Ms / d.p50Ms <= 1.2,
      },
      null,
      2,
    ),
  );
} finally {
  await bed.stop();
  await rm(dir, { recursive: true, force: true });
}
