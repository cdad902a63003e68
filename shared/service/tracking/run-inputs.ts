/**
 * A run's inputs (datasets with their tags, models) and outputs (models, by step): one row each
 * in the run's partition under `IO#`, keyed by a hash of what identifies it, so logging the same
 * dataset (name + digest) or model again is a no-op that keeps the first row, as MLflow does.
 */
import { createHash } from 'node:crypto';
import { runKeys } from '../../domain/keys.js';
import { ConditionFailedError, contended, invalid } from '../../errors.js';
import { MAX_BATCH_WRITES, type WriteOp } from '../../ports/metadata-store.js';
import type { DatasetInput, LogRunInputsInput, LogRunOutputsInput } from '../../schemas.js';
import { requireScope } from '../authorization.js';
import type { Actor, RegistryContext } from '../context.js';
import { scanPartition } from '../scan.js';
import { loadActiveRun, type Run, withDerived } from './runs.js';

export interface RunInputs {
  datasets: Array<Omit<DatasetInput, 'tags'> & { tags: Record<string, string> }>;
  models: Array<{ modelId: string }>;
}
export interface RunOutputs {
  models: Array<{ modelId: string; step: number }>;
}

/** Rows of each kind a run may hold: every read of the run reads them all. */
export const MAX_RUN_IO_ROWS = 200;
/** Characters of row data per store batch: under the 4 MB DynamoDB and Azure allow a transaction. */
const BATCH_CHARS = 1_000_000;

type Kind = 'dataset' | 'modelInput' | 'modelOutput';
const PREFIX: Record<Kind, string> = { dataset: 'IO#D#', modelInput: 'IO#MI#', modelOutput: 'IO#MO#' };
const FIELD: Record<Kind, string> = { dataset: 'datasets', modelInput: 'models', modelOutput: 'models' };
const LABEL: Record<Kind, string> = {
  dataset: 'dataset inputs',
  modelInput: 'model inputs',
  modelOutput: 'model outputs',
};

interface IoRow {
  [key: string]: unknown;
  kind: Kind;
  /** When it was logged and its place in the request: rows are listed in the order they came. */
  at: number;
  seq: number;
  value: Record<string, unknown>;
}

const rowKey = (kind: Kind, identity: unknown[]) =>
  PREFIX[kind] + createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);

async function readRows(ctx: RegistryContext, runId: string): Promise<Array<{ sk: string; data: IoRow }>> {
  const want = 3 * MAX_RUN_IO_ROWS + 1;
  const { items } = await scanPartition<IoRow, { sk: string; data: IoRow }>(
    ctx.metadata,
    runKeys.run(runId),
    { prefix: 'IO#', after: undefined, want, budget: want },
    ({ sk, data }) => ({ sk, data }),
  );
  return items;
}

/** What a run read shows of its inputs and outputs, in the order they were logged. */
export async function readRunInputs(
  ctx: RegistryContext,
  runId: string,
): Promise<{ inputs: RunInputs; outputs: RunOutputs }> {
  const rows = (await readRows(ctx, runId)).map((r) => r.data).sort((a, b) => a.at - b.at || a.seq - b.seq);
  const of = <T>(kind: Kind) => rows.filter((r) => r.kind === kind).map((r) => r.value as T);
  return {
    inputs: { datasets: of('dataset'), models: of('modelInput') },
    outputs: { models: of('modelOutput') },
  };
}

/** Adds what is new; what the run already has (same identity) keeps its first row. */
async function addRows(
  ctx: RegistryContext,
  actor: Actor,
  runId: string,
  wanted: Array<{ kind: Kind; sk: string; value: Record<string, unknown> }>,
): Promise<Run> {
  requireScope(actor, 'registry.write');
  for (let attempt = 0; attempt < 5; attempt++) {
    const run = await loadActiveRun(ctx, runId);
    const existing = await readRows(ctx, runId);
    const have = new Set(existing.map((r) => r.sk));
    const fresh = [...new Map(wanted.filter((w) => !have.has(w.sk)).map((w) => [w.sk, w])).values()];
    for (const kind of Object.keys(PREFIX) as Kind[]) {
      const total = existing.filter((r) => r.data.kind === kind).length + fresh.filter((w) => w.kind === kind).length;
      if (total > MAX_RUN_IO_ROWS) throw invalid(FIELD[kind], `a run holds at most ${MAX_RUN_IO_ROWS} ${LABEL[kind]}`);
    }
    const at = ctx.clock.now().getTime();
    const ops: WriteOp[] = fresh.map((w, seq) => ({
      op: 'put',
      sk: w.sk,
      data: { kind: w.kind, at, seq, value: w.value } satisfies IoRow,
      if: { absent: true },
    }));
    try {
      for (const chunk of chunks(ops)) await ctx.metadata.batch(runKeys.run(runId), chunk);
      return withDerived(ctx, run.data);
    } catch (e) {
      // Someone logged one of these meanwhile: read again, and add what is still missing.
      if (!(e instanceof ConditionFailedError)) throw e;
    }
  }
  throw contended("the run's inputs");
}

function* chunks(ops: WriteOp[]): Generator<WriteOp[]> {
  let chunk: WriteOp[] = [];
  let chars = 0;
  for (const op of ops) {
    const size = op.op === 'put' ? JSON.stringify(op.data).length : 0;
    if (chunk.length > 0 && (chunk.length === MAX_BATCH_WRITES || chars + size > BATCH_CHARS)) {
      yield chunk;
      chunk = [];
      chars = 0;
    }
    chunk.push(op);
    chars += size;
  }
  if (chunk.length > 0) yield chunk;
}

export function logRunInputs(ctx: RegistryContext, actor: Actor, runId: string, input: LogRunInputsInput) {
  return addRows(ctx, actor, runId, [
    ...(input.datasets ?? []).map((d) => ({
      kind: 'dataset' as const,
      sk: rowKey('dataset', [d.name, d.digest]),
      value: { ...d, tags: d.tags ?? {} },
    })),
    ...(input.models ?? []).map((m) => ({
      kind: 'modelInput' as const,
      sk: rowKey('modelInput', [m.modelId]),
      value: { modelId: m.modelId },
    })),
  ]);
}

export function logRunOutputs(ctx: RegistryContext, actor: Actor, runId: string, input: LogRunOutputsInput) {
  return addRows(
    ctx,
    actor,
    runId,
    input.models.map((m) => ({
      kind: 'modelOutput' as const,
      sk: rowKey('modelOutput', [m.modelId, m.step]),
      value: { modelId: m.modelId, step: m.step },
    })),
  );
}
