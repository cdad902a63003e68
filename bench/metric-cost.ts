/**
 * What logging metrics costs in the cloud stores, per 1,000 points, now and with the code before
 * packed series (an earlier commit, checked out here and loaded side by side):
 *  - DynamoDB write units, through the AWS `api` handler (API Gateway events) against DynamoDB
 *    Local, computed from the sizes of the items written (see meterWriteUnits);
 *  - Azure Table entities written (and requests), through the Azure `http` handler against Azurite,
 *    counted at the TableClient.
 * Several batch shapes: 500 points of one key, of two keys (P4's), of ten keys, and ten points
 * per request (one step of ten metrics, as `mlflow.log_metrics` sends them). Goal: at most 50
 * write units per 1,000 points. Prints one JSON object.
 *
 * Usage: npm run bench:metric-cost -- [--points 2000 --baseline <commit>]
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue, DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { TableClient } from '@azure/data-tables';
import type * as ApiHandlerModule from '../functions/aws/handlers/api-handler.js';
import type * as AwsRuntimeModule from '../functions/aws/runtime.js';
import { PROJECT_ROOT } from '../infra/aws/bundling.js';
import type * as EventsModule from '../test/support/aws/events.js';
import {
  type DynamoLocalHandle,
  type S3rverHandle,
  startDynamoLocal,
  startS3rver,
} from '../test/support/aws/servers.js';
import { type Azurite, startAzurite } from '../test/support/azure/azurite.js';
import type * as FunctionsAppModule from '../test/support/azure/functions-app.js';
import { checkoutCommit } from './earlier-checkout.js';

/** The last commit before packed metric series (issue #15). */
const BEFORE_PACKING = '6687c98';

const { values } = parseArgs({ options: { points: { type: 'string' }, baseline: { type: 'string' } } });
const POINTS = Number(values.points ?? 2000);

interface Shape {
  name: string;
  keys: number;
  stepsPerRequest: number;
}
const SHAPES: Shape[] = [
  { name: '500 points, 1 key', keys: 1, stepsPerRequest: 500 },
  { name: '500 points, 2 keys (P4)', keys: 2, stepsPerRequest: 250 },
  { name: '500 points, 10 keys', keys: 10, stepsPerRequest: 50 },
  { name: '10 points, 10 keys (one step)', keys: 10, stepsPerRequest: 1 },
];

/** The requests of one shape: POINTS points in all, steps ascending, per-key values. */
function* batches(
  shape: Shape,
): Generator<{ metrics: Array<{ key: string; value: number; step: number; timestamp: number }> }> {
  const perRequest = shape.keys * shape.stepsPerRequest;
  for (let first = 0; first < POINTS; first += perRequest) {
    const metrics = [];
    for (let s = 0; s < shape.stepsPerRequest; s++) {
      const step = first / shape.keys + s;
      for (let k = 0; k < shape.keys; k++)
        metrics.push({
          key: `metric-${k}`,
          value: Math.sin(step + k) * 1e3,
          step,
          timestamp: 1_700_000_000_000 + step * 37,
        });
    }
    yield { metrics };
  }
}

/** Calls the API of one code version: status and JSON body. */
type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

async function logShape(call: Call, shape: Shape): Promise<void> {
  const experiment = await call('POST', '/v1/experiments', {
    name: `cost-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
  });
  const run = await call('POST', `/v1/experiments/${(experiment.body as { id: string }).id}/runs`, {});
  const runId = (run.body as { id: string }).id;
  for (const batch of batches(shape)) {
    const out = await call('POST', `/v1/runs/${runId}/metrics`, batch);
    if (out.status !== 200) throw new Error(`logging failed: ${out.status} ${JSON.stringify(out.body)}`);
  }
}

// ---- meters ----

/**
 * The size DynamoDB bills an item at: attribute names and values (strings and binaries as bytes,
 * numbers about one byte per two digits plus one), per the DynamoDB developer guide.
 */
function itemBytes(item: Record<string, AttributeValue>): number {
  const valueBytes = (v: AttributeValue): number => {
    if (v.S !== undefined) return Buffer.byteLength(v.S);
    if (v.N !== undefined) return Math.ceil(v.N.replace(/^-|\.|e.*$/gi, '').replace(/^0+/, '').length / 2) + 1;
    if (v.B !== undefined) return v.B.length;
    if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
    if (v.M !== undefined) return 3 + itemBytes(v.M);
    if (v.L !== undefined) return 3 + v.L.reduce((sum, e) => sum + 1 + valueBytes(e), 0);
    throw new Error(`an attribute type this meter does not size: ${Object.keys(v).join()}`);
  };
  return Object.entries(item).reduce((sum, [name, v]) => sum + Buffer.byteLength(name) + valueBytes(v), 0);
}

const kb = (item: Record<string, AttributeValue>) => Math.ceil(itemBytes(item) / 1024);

/**
 * Write units of every write the client sends, computed from the items written: 1 per KB of a
 * put item, 2 per KB of each item of a transaction. (DynamoDB bills the larger of the item before
 * and after; the metric writes grow or reset small rows, so the new item is the larger, but for
 * a tail emptied when sealed, whose old size was at most 1 KB, which is 1 unit either way.)
 * DynamoDB Local reports consumed capacity too, but sums a transaction wrongly (100 small puts:
 * 2 units), so its figure is only recorded beside.
 */
function meterWriteUnits(client: DynamoDBClient): { units: number; reportedByLocal: number } {
  const meter = { units: 0, reportedByLocal: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      switch (context.commandName) {
        case 'PutItemCommand':
          meter.units += kb(input.Item as Record<string, AttributeValue>);
          break;
        case 'TransactWriteItemsCommand':
          for (const t of input.TransactItems as TransactWriteItem[]) {
            if (!t.Put) throw new Error('metric writes are puts; this meter sizes nothing else in a transaction');
            meter.units += 2 * kb(t.Put.Item as Record<string, AttributeValue>);
          }
          break;
        case 'UpdateItemCommand':
        case 'DeleteItemCommand':
        case 'BatchWriteItemCommand':
          throw new Error(`${context.commandName} while logging metrics: this meter does not size it`);
        default:
          return next(args);
      }
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : [])
        meter.reportedByLocal += (c as { CapacityUnits?: number }).CapacityUnits ?? 0;
      return result;
    },
    { step: 'initialize', name: 'meterWriteUnits' },
  );
  return meter;
}

/**
 * Counts entities written and write requests at the TableClient (every version of the code uses
 * it). The SDK builds a transaction's body by calling the single-entity methods inside
 * `submitTransaction`: those calls are part of the one request, not requests of their own.
 */
function meterTableWrites(): { entities: number; requests: number } {
  const meter = { entities: 0, requests: 0 };
  const inTransaction = new AsyncLocalStorage<boolean>();
  const proto = TableClient.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['createEntity', 'upsertEntity', 'updateEntity', 'deleteEntity', 'submitTransaction']) {
    const original = proto[name];
    if (!original) throw new Error(`TableClient.${name} is missing`);
    proto[name] = function (this: unknown, ...args: unknown[]) {
      if (inTransaction.getStore()) return original.apply(this, args);
      meter.requests++;
      if (name !== 'submitTransaction') {
        meter.entities++;
        return original.apply(this, args);
      }
      meter.entities += (args[0] as unknown[]).length;
      return inTransaction.run(true, () => original.apply(this, args));
    };
  }
  return meter;
}

// ---- one code version on both clouds ----

interface Version {
  label: 'before' | 'now';
  root: string;
}

async function measureVersion(
  version: Version,
  servers: {
    dynamo: DynamoLocalHandle;
    s3: S3rverHandle;
    azurite: Azurite;
  },
  meters: { dynamo: { units: number; reportedByLocal: number }; table: { entities: number; requests: number } },
) {
  const load = <T>(path: string) => import(join(version.root, path)) as Promise<T>;
  const { createRegistry } = await load<typeof AwsRuntimeModule>('functions/aws/runtime.ts');
  const { createApiHandler } = await load<typeof ApiHandlerModule>('functions/aws/handlers/api-handler.ts');
  const { apiEvent } = await load<typeof EventsModule>('test/support/aws/events.ts');
  const { functionsApp } = await load<typeof FunctionsAppModule>('test/support/azure/functions-app.ts');

  const tableName = await servers.dynamo.createTable(`cost-${version.label}`);
  const aws = createRegistry(
    {
      tableName,
      bucket: servers.s3.bucket,
      prefix: 'mreg/',
      endpoints: { s3: servers.s3.endpoint, dynamodb: servers.dynamo.endpoint },
    },
    { s3: servers.s3.client, dynamodb: servers.dynamo.client },
  );
  const handler = createApiHandler({
    registry: aws.registry,
    logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
  });
  const claims = { sub: 'bench', scope: 'registry.read registry.write' };
  const awsCall: Call = async (method, path, body) => {
    const result = await handler(apiEvent({ method, path, claims, ...(body === undefined ? {} : { body }) }));
    return { status: result.statusCode ?? 200, body: result.body ? JSON.parse(result.body) : undefined };
  };
  const azure = await functionsApp(servers.azurite, {
    container: `cost${version.label}`,
    table: `cost${version.label}`,
  });
  const azureCall: Call = async (method, path, body) => {
    const out = await azure.call(method, path, body === undefined ? {} : { body });
    return { status: out.status, body: out.json() };
  };

  const shapes = [];
  try {
    for (const shape of SHAPES) {
      const units = meters.dynamo.units;
      const reported = meters.dynamo.reportedByLocal;
      await logShape(awsCall, shape);
      const writeUnits = meters.dynamo.units - units;
      const { entities, requests } = meters.table;
      await logShape(azureCall, shape);
      shapes.push({
        shape: shape.name,
        dynamoWriteUnitsPer1000Points: Math.round((writeUnits * 1000) / POINTS),
        dynamoLocalReportedPer1000Points: Math.round(((meters.dynamo.reportedByLocal - reported) * 1000) / POINTS),
        azureEntitiesPer1000Points: Math.round(((meters.table.entities - entities) * 1000) / POINTS),
        azureWriteRequestsPer1000Points: Math.round(((meters.table.requests - requests) * 1000) / POINTS),
      });
    }
  } finally {
    // The app's token issuer serves its keys over HTTP; left open, it keeps this process alive.
    // (An earlier commit's test app may have no issuer, and no close.)
    await (azure as { close?: () => Promise<void> }).close?.();
  }
  return shapes;
}

const [dynamo, s3, azurite, earlier] = await Promise.all([
  startDynamoLocal(),
  startS3rver(),
  startAzurite(),
  checkoutCommit(values.baseline ?? BEFORE_PACKING),
]);
try {
  const meters = { dynamo: meterWriteUnits(dynamo.client), table: meterTableWrites() };
  const servers = { dynamo, s3, azurite };
  const before = await measureVersion({ label: 'before', root: earlier.root }, servers, meters);
  const now = await measureVersion({ label: 'now', root: PROJECT_ROOT }, servers, meters);
  const p4 = now.find((s) => s.shape.includes('P4'));
  console.log(
    JSON.stringify({
      benchmark: 'metric-cost',
      pointsPerShape: POINTS,
      dynamoWriteUnits: 'computed from the sizes of the items written (1 per KB, 2 per KB in a transaction)',
      azure: 'entities written and write requests, counted at the TableClient',
      baselineCommit: earlier.commit,
      now,
      before,
      goal: { dynamoWriteUnitsPer1000PointsMax: 50, batchesOf: 500 },
      pass: now.filter((s) => s.shape.startsWith('500')).every((s) => s.dynamoWriteUnitsPer1000Points <= 50),
      p4WriteUnitsPer1000Points: p4?.dynamoWriteUnitsPer1000Points,
    }),
  );
} finally {
  await Promise.all([dynamo.stop(), s3.stop(), azurite.stop(), earlier.remove()]);
}
