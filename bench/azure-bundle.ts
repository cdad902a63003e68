/**
 * The Azure Function App bundle against a bare bundle of just the SDK clients it needs
 * (`@azure/functions` + `BlobServiceClient` + `TableClient` + `DefaultAzureCredential`), both
 * built the same way (esbuild, CommonJS, minified): size, and the time for a fresh Node process
 * to load each (median of alternating runs). Prints one JSON object.
 * Usage: tsx bench/azure-bundle.ts [--runs 15]
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { buildAzure } from '../functions/azure/build.js';
import { loadOnce } from './load-time.js';

const { values } = parseArgs({ options: { runs: { type: 'string' } } });
const RUNS = Number(values.runs ?? 15);

const BARE = `
import azureFunctions from '@azure/functions';
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
const credential = new DefaultAzureCredential();
const blobs = new BlobServiceClient('https://acct.blob.core.windows.net', credential);
const table = new TableClient('https://acct.table.core.windows.net', 't', credential);
azureFunctions.app.http('x', { handler: async () => ({ body: blobs.url + table.tableName }) });
`;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.floor(sorted.length / 2)] ?? Number.NaN).toFixed(1));
};

/** Loads alternate between the two files, so drift in machine load hits both alike. */
function loadMs(files: [string, string]): [number, number] {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < RUNS; i++) for (const [j, file] of files.entries()) times[j as 0 | 1].push(loadOnce(file));
  return [median(times[0]), median(times[1])];
}

const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-azure-'));
try {
  const appFile = join(dir, 'main.cjs');
  await buildAzure(appFile);
  const bareEntry = join(process.cwd(), 'bench', `.azure-bare-${process.pid}.ts`);
  await writeFile(bareEntry, BARE);
  const bareFile = join(dir, 'bare.cjs');
  try {
    await build({
      entryPoints: [bareEntry],
      outfile: bareFile,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      external: ['@azure/functions-core'],
      define: { 'import.meta.url': '__mregImportMetaUrl' },
      banner: { js: "const __mregImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      logLevel: 'error',
    });
  } finally {
    await rm(bareEntry, { force: true });
  }
  const [appMs, bareMs] = loadMs([appFile, bareFile]);
  const app = { bytes: (await stat(appFile)).size, loadMs: appMs };
  const bare = { bytes: (await stat(bareFile)).size, loadMs: bareMs };
  console.log(
    JSON.stringify({
      benchmark: 'azure-bundle',
      runs: RUNS,
      app,
      bare,
      sizeRatio: Number((app.bytes / bare.bytes).toFixed(3)),
      loadRatio: Number((app.loadMs / bare.loadMs).toFixed(3)),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
