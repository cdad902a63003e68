/**
 * Run search across experiments: conditions on attributes, params, tags and latest metrics,
 * and an order. The default order (newest first) with no metric in play reads the experiments'
 * start-time index (run-start-index.ts): any number of runs, paged by key. Any other search is
 * scan-based: each experiment's runs are one partition read in key order, at most
 * `maxSearchedRuns` rows per search (bounded work), filtered, sorted, then paged by offset.
 * Metrics are read only for runs still in play after the other conditions.
 */
import { runKeys } from '../../domain/keys.js';
import type { Page } from '../../domain/types.js';
import { invalid } from '../../errors.js';
import { requireScope } from '../authorization.js';
import type { Actor, RegistryContext } from '../context.js';
import { decodePageToken, encodePageToken, pageSizeOf } from '../page-token.js';
import { scanPartition } from '../scan.js';
import { getExperiment, matchesView, type ViewType } from './experiments.js';
import { indexedRunPage } from './run-start-index.js';
import { bareRun, type Run, type RunRow, withDerived } from './runs.js';

export const MAX_SEARCH_EXPERIMENTS = 100;

export type RunAttribute = 'runId' | 'name' | 'status' | 'startTime' | 'endTime' | 'createdBy' | 'lifecycleStage';

export type RunField = { kind: 'attribute'; key: RunAttribute } | { kind: 'param' | 'tag' | 'metric'; key: string };

export type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface RunCondition {
  field: RunField;
  op: Comparison | 'IS NULL' | 'IS NOT NULL';
  /** A number for metrics and times, text otherwise; a list for IN / NOT IN. */
  value?: string | number | Array<string | number>;
}

export interface RunOrder {
  field: RunField;
  ascending: boolean;
}

export interface RunSearch {
  experimentIds: string[];
  conditions: RunCondition[];
  /** Default: newest first (start time descending), then run id. */
  orderBy: RunOrder[];
  view?: ViewType;
  pageSize?: string;
  pageToken?: string;
}

type Value = string | number | undefined;

function fieldValue(run: Run, field: RunField): Value {
  switch (field.kind) {
    case 'param':
      return run.params[field.key];
    case 'tag':
      return run.tags[field.key];
    case 'metric':
      return run.latestMetrics[field.key];
    case 'attribute':
      switch (field.key) {
        case 'runId':
          return run.id;
        case 'name':
          return run.name;
        case 'status':
          return run.status;
        case 'startTime':
          return Date.parse(run.startTime);
        case 'endTime':
          return run.endTime === null ? undefined : Date.parse(run.endTime);
        case 'createdBy':
          return run.createdBy;
        case 'lifecycleStage':
          return run.lifecycleStage ?? 'active';
      }
  }
}

/** SQL LIKE: `%` any run of characters, `_` one character. */
export function likeRegex(pattern: string, caseInsensitive: boolean): RegExp {
  const body = [...pattern]
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

export function matchesCondition(run: Run, c: RunCondition): boolean {
  const actual = fieldValue(run, c.field);
  if (c.op === 'IS NULL') return actual === undefined;
  if (c.op === 'IS NOT NULL') return actual !== undefined;
  if (actual === undefined || c.value === undefined) return false;
  const wanted = c.value;
  switch (c.op) {
    case 'IN':
    case 'NOT IN': {
      const list = Array.isArray(wanted) ? wanted : [wanted];
      const found = list.some((v) => compare(actual, v) === 0);
      return c.op === 'IN' ? found : !found;
    }
    case 'LIKE':
    case 'ILIKE':
      return likeRegex(String(wanted), c.op === 'ILIKE').test(String(actual));
    default: {
      if (Array.isArray(wanted)) return false;
      const d = compare(actual, wanted);
      if (c.op === '=') return d === 0;
      if (c.op === '!=') return d !== 0;
      if (c.op === '<') return d < 0;
      if (c.op === '<=') return d <= 0;
      if (c.op === '>') return d > 0;
      return d >= 0;
    }
  }
}

const DEFAULT_ORDER: RunOrder[] = [{ field: { kind: 'attribute', key: 'startTime' }, ascending: false }];

function sortRuns(runs: Run[], orderBy: RunOrder[]): Run[] {
  const order = [
    ...(orderBy.length > 0 ? orderBy : DEFAULT_ORDER),
    { field: { kind: 'attribute', key: 'runId' } as RunField, ascending: true },
  ];
  return runs.sort((a, b) => {
    for (const o of order) {
      const x = fieldValue(a, o.field);
      const y = fieldValue(b, o.field);
      if (x === undefined && y === undefined) continue;
      // Runs without the value go last, whichever the direction (as MLflow does).
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const d = compare(x, y);
      if (d !== 0) return o.ascending ? d : -d;
    }
    return 0;
  });
}

/** The default order: start time descending (then run id, as always). */
const newestFirst = (orderBy: RunOrder[]) =>
  orderBy.length === 0 ||
  (orderBy.length === 1 &&
    orderBy[0]?.field.kind === 'attribute' &&
    orderBy[0].field.key === 'startTime' &&
    !orderBy[0].ascending);

const usesMetrics = (search: RunSearch) =>
  search.conditions.some((c) => c.field.kind === 'metric') || search.orderBy.some((o) => o.field.kind === 'metric');

export async function searchRuns(ctx: RegistryContext, actor: Actor, search: RunSearch): Promise<Page<Run>> {
  requireScope(actor, 'registry.read');
  const pageSize = pageSizeOf(search.pageSize);
  const ids = [...new Set(search.experimentIds)];
  if (ids.length === 0) throw invalid('experimentIds', 'name at least one experiment');
  if (ids.length > MAX_SEARCH_EXPERIMENTS)
    throw invalid('experimentIds', `at most ${MAX_SEARCH_EXPERIMENTS} experiments`);
  await Promise.all(ids.map((id) => getExperiment(ctx, actor, id)));
  const view = search.view ?? 'active';
  const scope = {
    route: 'run-search',
    partition: ids.join(','),
    filter: JSON.stringify([search.conditions, search.orderBy, view]).slice(0, 2000),
  };
  const early = search.conditions.filter((c) => c.field.kind !== 'metric');
  const keep = (row: RunRow) => {
    if (!matchesView(row.lifecycleStage, view)) return false;
    const bare = bareRun(row);
    return early.every((c) => matchesCondition(bare, c));
  };
  // A page token says which way its search was read (an index key, or an offset into a sorted scan).
  const resume = search.pageToken
    ? decodePageToken(search.pageToken, scope, [runKeys.runByStartPrefix, 'o'])
    : undefined;
  const indexed =
    newestFirst(search.orderBy) && !usesMetrics(search)
      ? await indexedRunPage(ctx, ids, resume, { want: pageSize, budget: ctx.settings.maxSearchedRuns }, keep)
      : undefined;
  if (indexed)
    return {
      items: await derived(ctx, indexed.items),
      nextPageToken: indexed.resumeAfter !== undefined ? encodePageToken(scope, indexed.resumeAfter) : null,
    };
  const offset = resume === undefined ? 0 : /^o\d{1,9}$/.test(resume) ? Number(resume.slice(1)) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalid('pageToken', 'malformed page token');

  // Attribute, param and tag conditions first, on the rows alone.
  const limit = ctx.settings.maxSearchedRuns;
  const rows: RunRow[] = [];
  for (const id of ids) {
    const result = await scanPartition<RunRow, RunRow>(
      ctx.metadata,
      runKeys.experimentRuns(id),
      { prefix: runKeys.runRowPrefix, after: undefined, want: limit + 1, budget: limit + 1 },
      ({ data }) => (keep(data) ? data : undefined),
    );
    rows.push(...result.items);
    if (result.resumeAfter !== undefined || rows.length > limit)
      throw invalid(
        'experimentIds',
        `a search reads at most ${limit} runs; narrow it with a condition on attributes, params or tags, or order by start time, newest first`,
      );
  }
  let runs: Run[];
  if (usesMetrics(search)) {
    runs = await derived(ctx, rows);
    runs = runs.filter((r) => search.conditions.every((c) => matchesCondition(r, c)));
    runs = sortRuns(runs, search.orderBy).slice(offset, offset + pageSize + 1);
  } else {
    const page = sortRuns(rows.map(bareRun), search.orderBy).slice(offset, offset + pageSize + 1);
    runs = await derived(ctx, page);
  }
  const more = runs.length > pageSize;
  return {
    items: runs.slice(0, pageSize),
    nextPageToken: more ? encodePageToken(scope, `o${offset + pageSize}`) : null,
  };
}

/** Runs with their latest metrics and versions, a bounded number of reads in flight. */
async function derived(ctx: RegistryContext, rows: RunRow[]): Promise<Run[]> {
  const out: Run[] = [];
  for (let i = 0; i < rows.length; i += 50)
    out.push(...(await Promise.all(rows.slice(i, i + 50).map((row) => withDerived(ctx, row)))));
  return out;
}
