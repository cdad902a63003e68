/**
 * Runs by start time: a second row per run in its experiment's partition (`runKeys.runByStart`),
 * written with the run row in one batch, so run search's default order (newest first) pages
 * through any number of runs by key instead of sorting a bounded scan. Experiments made before
 * the index have a state row saying how far the sweeper has added their runs; search uses the
 * index only for an experiment whose state says complete.
 */
import { runKeys } from '../../domain/keys.js';
import { ConditionFailedError, invalid } from '../../errors.js';
import { type Item, MAX_BATCH_WRITES, type WriteOp } from '../../ports/metadata-store.js';
import type { RegistryContext } from '../context.js';
import { scanPartition } from '../scan.js';
import type { Experiment } from './experiments.js';
import type { RunRow } from './runs.js';

interface RunIndexState {
  [key: string]: unknown;
  /** Every run of the experiment has its index row. */
  complete?: boolean;
  /** Otherwise: the last run row the sweeper indexed. */
  after?: string;
}

interface RunByStartRow {
  [key: string]: unknown;
  runId: string;
}

export function runIndexWrite(run: Pick<RunRow, 'id' | 'startTime'>): WriteOp {
  const startMs = Date.parse(run.startTime);
  return {
    op: 'put',
    sk: runKeys.runByStart(Number.isFinite(startMs) ? startMs : 0, run.id),
    data: { runId: run.id } satisfies RunByStartRow,
  };
}

/** The state of an experiment made with the index: it has no runs yet, so every run it gets is indexed. */
export async function markRunIndexComplete(ctx: RegistryContext, experimentId: string): Promise<void> {
  await ctx.metadata.batch(runKeys.experimentRuns(experimentId), [
    { op: 'put', sk: runKeys.runIndexState, data: { complete: true } satisfies RunIndexState },
  ]);
}

async function runIndexComplete(ctx: RegistryContext, experimentId: string): Promise<boolean> {
  const state = await ctx.metadata.get<RunIndexState>(runKeys.experimentRuns(experimentId), runKeys.runIndexState);
  return state?.data.complete === true;
}

/**
 * A page newest first from the index when every experiment's is complete (and a page token, if
 * any, came from it); undefined when the caller must read the runs another way.
 */
export async function indexedRunPage(
  ctx: RegistryContext,
  experimentIds: string[],
  resume: string | undefined,
  options: { want: number; budget: number },
  accept: (row: RunRow) => boolean,
): Promise<{ items: RunRow[]; resumeAfter: string | undefined } | undefined> {
  if (resume !== undefined && !resume.startsWith(runKeys.runByStartPrefix)) return undefined;
  const complete = await Promise.all(experimentIds.map((id) => runIndexComplete(ctx, id)));
  if (complete.every(Boolean)) return runsByStartTime(ctx, experimentIds, { after: resume, ...options }, accept);
  // Only until the sweeper has indexed the runs made before the index.
  if (resume !== undefined) throw invalid('pageToken', 'page token does not fit this listing');
  return undefined;
}

interface Candidate {
  sk: string;
  experimentId: string;
  runId: string;
}

/**
 * Runs of the experiments, newest first (start time descending, then id ascending), after the
 * index key `after`: `want` runs that `accept` keeps, examining at most `budget` index rows.
 * `resumeAfter` is the last index key examined when rows may remain.
 */
async function runsByStartTime(
  ctx: RegistryContext,
  experimentIds: string[],
  options: { after: string | undefined; want: number; budget: number },
  accept: (row: RunRow) => boolean,
): Promise<{ items: RunRow[]; resumeAfter: string | undefined }> {
  const streams = experimentIds.map((experimentId) => ({
    experimentId,
    after: options.after,
    buffered: [] as Candidate[],
    done: false,
  }));
  const items: RunRow[] = [];
  let budget = options.budget;
  let examined = options.after;
  // A few more than wanted: a page past some deleted or filtered-out runs needs no second read.
  const readSize = Math.min(1000, options.want + Math.ceil(options.want / 4) + 1);
  for (;;) {
    await Promise.all(
      streams
        .filter((s) => s.buffered.length === 0 && !s.done)
        .map(async (s) => {
          const page = await ctx.metadata.query<RunByStartRow>(runKeys.experimentRuns(s.experimentId), {
            prefix: runKeys.runByStartPrefix,
            ...(s.after !== undefined ? { after: s.after } : {}),
            limit: readSize,
          });
          s.buffered = page.items.map((i: Item<RunByStartRow>) => ({
            sk: i.sk,
            experimentId: s.experimentId,
            runId: i.data.runId,
          }));
          s.after = page.lastKey ?? page.items.at(-1)?.sk ?? s.after;
          s.done = page.lastKey === undefined || page.items.length === 0;
        }),
    );
    // Merge the streams up to the first key one of them may still have rows before (none once
    // every stream is read to its end).
    const open = streams.filter((s) => !s.done).map((s) => s.buffered.at(-1)?.sk ?? '');
    const frontier = open.sort()[0];
    const ready = streams
      .flatMap((s) => s.buffered)
      .filter((c) => frontier === undefined || c.sk <= frontier)
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
    if (ready.length === 0) return { items, resumeAfter: undefined };
    for (let i = 0; i < ready.length; ) {
      // Fetch about as many rows as are still wanted, a bounded number in flight.
      const slice = ready.slice(i, i + Math.min(50, budget, Math.max(options.want - items.length, 8)));
      const rows = await Promise.all(
        slice.map((c) => ctx.metadata.get<RunRow>(runKeys.experimentRuns(c.experimentId), runKeys.runRow(c.runId))),
      );
      for (const [j, c] of slice.entries()) {
        i++;
        budget--;
        examined = c.sk;
        const row = rows[j]?.data;
        if (row && accept(row)) items.push(row);
        const more = i < ready.length || streams.some((s) => !s.done || s.buffered.some((b) => b.sk > c.sk));
        if (items.length === options.want || budget <= 0) return { items, resumeAfter: more ? examined : undefined };
      }
    }
    for (const s of streams) s.buffered = s.buffered.filter((c) => frontier !== undefined && c.sk > frontier);
  }
}

/**
 * Adds index rows for runs made before the index, a bounded number per call (the sweeper's),
 * resuming where the last call stopped; an experiment's state turns complete when its last run
 * is indexed. Once every experiment is, a state row in the experiments' partition ends the work.
 */
export async function backfillRunIndex(ctx: RegistryContext, budget: number): Promise<{ runsIndexed: number }> {
  const done = await ctx.metadata.get<RunIndexState>(runKeys.experiments, runKeys.runIndexState);
  if (done?.data.complete) return { runsIndexed: 0 };
  let runsIndexed = 0;
  let allComplete = true;
  let afterExperiment: string | undefined;
  for (;;) {
    const page = await ctx.metadata.query<Experiment>(runKeys.experiments, {
      prefix: runKeys.experimentPrefix,
      ...(afterExperiment !== undefined ? { after: afterExperiment } : {}),
      limit: 100,
    });
    for (const { data: experiment } of page.items) {
      if (budget - runsIndexed <= 0) return { runsIndexed };
      const { indexed, complete } = await backfillExperiment(ctx, experiment.id, budget - runsIndexed);
      runsIndexed += indexed;
      allComplete &&= complete;
    }
    if (page.lastKey === undefined) break;
    afterExperiment = page.lastKey;
  }
  if (allComplete) await putState(ctx, runKeys.experiments, done, { complete: true });
  return { runsIndexed };
}

async function backfillExperiment(
  ctx: RegistryContext,
  experimentId: string,
  budget: number,
): Promise<{ indexed: number; complete: boolean }> {
  const pk = runKeys.experimentRuns(experimentId);
  const state = await ctx.metadata.get<RunIndexState>(pk, runKeys.runIndexState);
  if (state?.data.complete) return { indexed: 0, complete: true };
  const scanned = await scanPartition<RunRow, RunRow>(
    ctx.metadata,
    pk,
    { prefix: runKeys.runRowPrefix, after: state?.data.after, want: budget, budget },
    (item) => item.data,
  );
  const writes = scanned.items.map(runIndexWrite);
  for (let i = 0; i < writes.length; i += MAX_BATCH_WRITES)
    await ctx.metadata.batch(pk, writes.slice(i, i + MAX_BATCH_WRITES));
  const next: RunIndexState = scanned.resumeAfter === undefined ? { complete: true } : { after: scanned.resumeAfter };
  await putState(ctx, pk, state, next);
  return { indexed: writes.length, complete: next.complete === true };
}

/** Another sweep that moved the state on wins: its writes are the same rows. */
async function putState(
  ctx: RegistryContext,
  pk: string,
  current: Item<RunIndexState> | undefined,
  next: RunIndexState,
): Promise<void> {
  try {
    await ctx.metadata.batch(pk, [
      { op: 'put', sk: runKeys.runIndexState, data: next, if: current ? { etag: current.etag } : { absent: true } },
    ]);
  } catch (e) {
    if (!(e instanceof ConditionFailedError)) throw e;
  }
}
