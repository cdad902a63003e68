/**
 * Run search in its default order (newest first, as MLflow's UI lists an experiment) on the
 * local store: the first page of 100 in an experiment of 100 runs against one of 20,000, which
 * a scan-based search refused beyond 10,000 (goal, as for lists: ratio <= 1.2). Beside it, a
 * later page (by token), measured in turns with them, and a tag filter one run in ten matches (a page then examines ~1,000
 * index rows). And what the same first page cost before the index, read by a scan and sorted,
 * in an experiment of 9,000 runs (`scanned`: the same order spelled with a second key, which the
 * index does not serve). Prints one JSON object.
 * Usage: npm run bench:run-search [-- --large 20000 --small 100 --scanned 9000 --runs 200]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileObjectStore } from '../functions/local/file-object-store.js';
import { SqliteMetadataStore } from '../functions/local/sqlite-metadata-store.js';
import { UrlSigner } from '../functions/local/url-signer.js';
import { ALL_SCOPES } from '../shared/ports/auth.js';
import { RegistryService } from '../shared/service/registry-service.js';
import type { RunSearch } from '../shared/service/tracking/run-search.js';
import { timeInTurns, timeMs } from './timing.js';

const { values } = parseArgs({
  options: {
    large: { type: 'string' },
    small: { type: 'string' },
    scanned: { type: 'string' },
    runs: { type: 'string' },
  },
});
const LARGE = Number(values.large ?? 20_000);
const SMALL = Number(values.small ?? 100);
const SCANNED = Number(values.scanned ?? 9000);
const RUNS = Number(values.runs ?? 200);
const actor = { subject: 'bench', scopes: ALL_SCOPES };

const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-'));
const metadata = new SqliteMetadataStore(join(dir, 'registry.db'));
const objects = new FileObjectStore(join(dir, 'objects'), new UrlSigner(randomBytes(32)), () => 'http://bench.invalid');
const registry = new RegistryService({ metadata, objects });

/** An experiment of `count` runs, one in ten tagged, one in fifty deleted. */
async function seed(count: number): Promise<{ id: string; ms: number }> {
  const started = performance.now();
  const experiment = await registry.tracking.createExperiment(actor, { name: `bench-${count}-${Date.now()}` });
  for (let i = 0; i < count; i++) {
    const run = await registry.tracking.createRun(actor, experiment.id, {
      params: { lr: String(i % 7) },
      tags: i % 10 === 0 ? { kind: 'tuned' } : {},
    });
    if (i % 50 === 49) await registry.tracking.setRunLifecycle(actor, run.id, 'deleted');
  }
  return { id: experiment.id, ms: performance.now() - started };
}

const search =
  (experimentId: string, extra: Partial<RunSearch> = {}) =>
  () =>
    registry.tracking.searchRuns(actor, {
      experimentIds: [experimentId],
      conditions: [],
      orderBy: [],
      pageSize: '100',
      ...extra,
    });

try {
  const small = await seed(SMALL);
  const large = await seed(LARGE);
  const scanned = await seed(SCANNED);
  // The 50th page of the large experiment, by the token of the 49th.
  let token: string | null = null;
  for (let p = 0; p < 49; p++) token = (await search(large.id, token ? { pageToken: token } : {})()).nextPageToken;
  const pages = await timeInTurns(RUNS, {
    small: search(small.id),
    large: search(large.id),
    page50Large: search(large.id, token ? { pageToken: token } : {}),
  });
  const { small: pageSmall, large: pageLarge, page50Large: page50 } = pages;
  const taggedSearch = search(large.id, {
    conditions: [{ field: { kind: 'tag', key: 'kind' }, op: '=', value: 'tuned' }],
  });
  const tagged = await timeMs(Math.ceil(RUNS / 4), taggedSearch);
  const firstTagged = await taggedSearch();
  const byName = await search(large.id, {
    orderBy: [{ field: { kind: 'attribute', key: 'name' }, ascending: true }],
  })().then(
    () => 'answered',
    (e: Error) => `refused: ${e.message}`,
  );
  const byScan = await timeMs(
    Math.ceil(RUNS / 10),
    search(scanned.id, {
      orderBy: [
        { field: { kind: 'attribute', key: 'startTime' }, ascending: false },
        { field: { kind: 'attribute', key: 'runId' }, ascending: true },
      ],
    }),
  );
  const byIndex = await timeMs(Math.ceil(RUNS / 10), search(scanned.id));
  const ratio = Number((pageLarge.medianMs / pageSmall.medianMs).toFixed(3));
  console.log(
    JSON.stringify({
      benchmark: 'run-search',
      runs: { small: SMALL, large: LARGE },
      seedSeconds: { small: Number((small.ms / 1000).toFixed(1)), large: Number((large.ms / 1000).toFixed(1)) },
      firstPage: { small: pageSmall, large: pageLarge, ratio },
      page50Large: page50,
      firstPageAt: { runs: SCANNED, scanned: byScan, indexed: byIndex },
      taggedFirstPageLarge: { ...tagged, runs: firstTagged.items.length },
      orderByNameLarge: byName,
      goal: { firstPageRatioMax: 1.2 },
      pass: ratio <= 1.2,
    }),
  );
} finally {
  metadata.close();
  await rm(dir, { recursive: true, force: true });
}
