/**
 * Version references: `7`, `-k` (k-th newest READY, non-archived), `latest`, `alias:<a>`,
 * `label:<l>`, and a bare alias name. Expired transient versions resolve to nothing.
 */
import { keys } from '../domain/keys.js';
import { aliasNameProblem, labelProblem } from '../domain/names.js';
import { invalid, notFound } from '../errors.js';
import type { Item } from '../ports/metadata-store.js';
import type { RegistryContext } from './context.js';
import { type AliasRow, isExpired, type VersionRow } from './records.js';
import { scanPartition } from './scan.js';

export const MAX_RELATIVE_REF = 1000;

export async function resolveVersionNumber(ctx: RegistryContext, model: string, ref: string): Promise<number> {
  const pk = keys.model(model);
  if (/^[0-9]{1,12}$/.test(ref)) {
    const n = Number(ref);
    if (n < 1) throw invalid('ref', 'version numbers start at 1');
    return n;
  }
  if (/^-[0-9]{1,4}$/.test(ref)) return kthNewestReady(ctx, model, Number(ref.slice(1)));
  if (ref === 'latest') return kthNewestReady(ctx, model, 1);
  if (ref.startsWith('label:')) {
    const label = ref.slice(6);
    const problem = labelProblem(label);
    if (problem) throw invalid('ref', `label ${problem}`);
    const row = await ctx.metadata.get<{ version: number }>(pk, keys.label(label));
    if (!row) throw notFound(`label "${label}" of model "${model}"`);
    return row.data.version;
  }
  const alias = ref.startsWith('alias:') ? ref.slice(6) : ref;
  const problem = aliasNameProblem(alias);
  if (problem)
    throw invalid(
      'ref',
      `"${ref}" is not a version reference (a number, -k, latest, alias:<a>, label:<l>): ${problem}`,
    );
  const row = await ctx.metadata.get<AliasRow>(pk, keys.alias(alias));
  if (!row) throw notFound(`alias "${alias}" of model "${model}"`);
  return row.data.version;
}

async function kthNewestReady(ctx: RegistryContext, model: string, k: number): Promise<number> {
  return (await kthNewestReadyRow(ctx, model, k)).version;
}

/** The k-th newest READY version's row, from its R# copy: one query, no second read. */
async function kthNewestReadyRow(ctx: RegistryContext, model: string, k: number): Promise<VersionRow> {
  if (k < 1 || k > MAX_RELATIVE_REF) throw invalid('ref', `relative references go from -1 to -${MAX_RELATIVE_REF}`);
  const now = ctx.clock.now();
  const found = await scanPartition<VersionRow, VersionRow>(
    ctx.metadata,
    keys.model(model),
    { prefix: keys.readyPrefix, after: undefined, want: k, budget: k + 5000, final: true },
    ({ data }) => (isExpired(data, now) ? undefined : data),
  );
  const row = found.items[k - 1];
  if (row === undefined) throw notFound(`version ${k === 1 ? 'latest' : `-${k}`} of model "${model}"`);
  return row;
}

const RELATIVE_REF = /^-[0-9]{1,4}$/;

/**
 * A version to read (not to change): relative references come straight from the READY
 * copy, so `-1` costs one query; everything else reads the version row.
 */
export async function readVersion(ctx: RegistryContext, model: string, ref: string): Promise<VersionRow> {
  if (ref === 'latest') return kthNewestReadyRow(ctx, model, 1);
  if (RELATIVE_REF.test(ref)) return kthNewestReadyRow(ctx, model, Number(ref.slice(1)));
  return (await loadVersion(ctx, model, ref)).data;
}

/** The version row a reference names; 404 when it does not exist or has expired. */
export async function loadVersion(ctx: RegistryContext, model: string, ref: string): Promise<Item<VersionRow>> {
  const n = await resolveVersionNumber(ctx, model, ref);
  const item = await ctx.metadata.get<VersionRow>(keys.model(model), keys.version(n));
  if (!item || isExpired(item.data, ctx.clock.now())) throw notFound(`version ${n} of model "${model}"`);
  return item;
}
