/**
 * Local store benchmark: the first page of versions and resolving `-1` for a model with
 * 100,000 versions against one with 100 (goal: ratio <= 1.2). Prints one JSON object.
 * Usage: npm run bench [-- --large 100000 --small 100 --runs 300]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileObjectStore } from '../functions/local/file-object-store.js';
import { SqliteMetadataStore } from '../functions/local/sqlite-metadata-store.js';
import { UrlSigner } from '../functions/local/url-signer.js';
import { keys } from '../shared/domain/keys.js';
import { ALL_SCOPES } from '../shared/ports/auth.js';
import type { VersionRow } from '../shared/service/records.js';
import { RegistryService } from '../shared/service/registry-service.js';
import { timeMs } from './timing.js';

const { values } = parseArgs({
  options: { large: { type: 'string' }, small: { type: 'string' }, runs: { type: 'string' } },
});
const LARGE = Number(values.large ?? 100_000);
const SMALL = Number(values.small ?? 100);
const RUNS = Number(values.runs ?? 300);
const actor = { subject: 'bench', scopes: ALL_SCOPES };

const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-'));
const metadata = new SqliteMetadataStore(join(dir, 'registry.db'));
const objects = new FileObjectStore(join(dir, 'objects'), new UrlSigner(randomBytes(32)), () => 'http://bench.invalid');
const registry = new RegistryService({ metadata, objects });

/** Pushes `count` READY versions through the service; after the first, the bytes are held, so no upload. */
async function seed(model: string, count: number): Promise<number> {
  const started = performance.now();
  await registry.models.create(actor, { name: model });
  const bytes = randomBytes(1024);
  const file = { path: 'model.onnx', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  for (let i = 1; i <= count; i++) {
    const created = await registry.versions.create(actor, model, { files: [file] });
    if (created.uploads.length > 0) {
      const row = await metadata.get<VersionRow>(keys.model(model), keys.version(created.version.version));
      for (const upload of row?.data.pending ?? []) await objects.put(upload.stagingKey, bytes);
    }
    await registry.versions.commit(actor, model, String(created.version.version));
  }
  return performance.now() - started;
}

try {
  const seedSmallMs = await seed('small', SMALL);
  const seedLargeMs = await seed('large', LARGE);
  const firstPage = (model: string) => () => registry.versions.list(actor, model, { pageSize: '100' });
  const latest = (model: string) => () => registry.versions.get(actor, model, '-1');
  const pageSmall = await timeMs(RUNS, firstPage('small'));
  const pageLarge = await timeMs(RUNS, firstPage('large'));
  const refSmall = await timeMs(RUNS, latest('small'));
  const refLarge = await timeMs(RUNS, latest('large'));
  const ratio = (a: number, b: number) => Number((a / b).toFixed(3));
  console.log(
    JSON.stringify({
      benchmark: 'local-refs',
      versions: { small: SMALL, large: LARGE },
      seedSeconds: { small: Number((seedSmallMs / 1000).toFixed(1)), large: Number((seedLargeMs / 1000).toFixed(1)) },
      firstPage: { small: pageSmall, large: pageLarge, ratio: ratio(pageLarge.medianMs, pageSmall.medianMs) },
      resolveLatest: { small: refSmall, large: refLarge, ratio: ratio(refLarge.medianMs, refSmall.medianMs) },
      goal: { firstPageRatioMax: 1.2 },
      pass: ratio(pageLarge.medianMs, pageSmall.medianMs) <= 1.2,
    }),
  );
} finally {
  metadata.close();
  await rm(dir, { recursive: true, force: true });
}
