/**
 * P1: the Lambda API bundle against a bare bundle that only constructs the S3 and DynamoDB
 * clients, both built in this run with the stack's esbuild settings (ESM, minified). Size,
 * and cold init: fresh node processes that import the bundle and handle one request
 * (GET /healthz for the API; the bare handler returns at once). Goals: size <= 1.2x, init <= 1.15x.
 * Usage: npm run bench:aws-bundle [-- --runs 15] [--zod-namespace]
 *
 * `--zod-namespace` measures a what-if, not the shipped code: the core's `import { z } from
 * 'zod'` read as `import * as z from 'zod'` (esbuild cannot tree-shake the former and keeps
 * every zod locale, ~260 KB).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { LAMBDA_BUNDLE } from '../infra/aws/bundling.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, 'zod-namespace': { type: 'boolean' } } });
const RUNS = Number(values.runs ?? 15);
const root = resolve(import.meta.dirname, '..');
const dir = await mkdtemp(join(tmpdir(), 'mreg-bundle-'));

const BARE_SOURCE = `import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const s3 = new S3Client({});
const dynamodb = new DynamoDBClient({});
export const handler = async () => ({ statusCode: 200, body: String(Boolean(s3 && dynamodb)) });
`;

const zodNamespace: Plugin = {
  name: 'zod-namespace-what-if',
  setup(b) {
    b.onLoad({ filter: /[\\/]shared[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      return { contents: text.replace(/import \{ z \} from 'zod';/g, "import * as z from 'zod';"), loader: 'ts' };
    });
  },
};

async function bundle(name: string, input: { entry: string } | { source: string }): Promise<string> {
  const outfile = join(dir, name, 'index.mjs');
  await build({
    ...('entry' in input
      ? { entryPoints: [input.entry] }
      : { stdin: { contents: input.source, resolveDir: root, loader: 'ts' as const } }),
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLE.format,
    minify: LAMBDA_BUNDLE.minify,
    target: LAMBDA_BUNDLE.target,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    outfile,
    logLevel: 'silent',
    plugins: values['zod-namespace'] ? [zodNamespace] : [],
  });
  return outfile;
}

const HEALTH_EVENT = {
  version: '2.0',
  routeKey: 'GET /healthz',
  rawPath: '/healthz',
  rawQueryString: '',
  headers: { host: 'bench.execute-api.us-east-1.amazonaws.com' },
  requestContext: {
    accountId: '123456789012',
    apiId: 'bench',
    domainName: 'bench.execute-api.us-east-1.amazonaws.com',
    domainPrefix: 'bench',
    http: { method: 'GET', path: '/healthz', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    requestId: 'bench',
    routeKey: 'GET /healthz',
    stage: '$default',
    time: '23/Nov/2026:00:00:00 +0000',
    timeEpoch: 0,
  },
  isBase64Encoded: false,
};

/** One fresh process: import the bundle, handle one event; prints the in-process milliseconds. */
const PROBE = `const t0 = performance.now();
const { handler } = await import(process.argv[1]);
const result = await handler(JSON.parse(process.argv[2]), {});
if (result.statusCode !== 200) throw new Error('status ' + result.statusCode);
console.log(performance.now() - t0);`;

const ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  MREG_TABLE_NAME: 'mreg-bench',
  MREG_BUCKET: 'mreg-bench',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_LAMBDA_FUNCTION_NAME: 'mreg-bench',
};

async function coldInit(file: string): Promise<{ importAndHandleMs: number; processMs: number }> {
  const started = performance.now();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', PROBE, file, JSON.stringify(HEALTH_EVENT)],
    { env: ENV },
  );
  return { importAndHandleMs: Number(stdout.trim()), processMs: performance.now() - started };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

try {
  const api = await bundle('api', { entry: join(root, 'functions/aws/api.ts') });
  const bare = await bundle('bare', { source: BARE_SOURCE });
  const sizes = { api: (await stat(api)).size, bare: (await stat(bare)).size };
  // Warm the file cache, then alternate so drift hits both alike.
  await coldInit(api);
  await coldInit(bare);
  const runs = { api: [] as number[], bare: [] as number[], apiProcess: [] as number[], bareProcess: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const a = await coldInit(api);
    const b = await coldInit(bare);
    runs.api.push(a.importAndHandleMs);
    runs.apiProcess.push(a.processMs);
    runs.bare.push(b.importAndHandleMs);
    runs.bareProcess.push(b.processMs);
  }
  const init = { api: median(runs.api), bare: median(runs.bare) };
  const result = {
    benchmark: 'P1 aws api bundle',
    variant: values['zod-namespace'] ? 'what-if: core imports zod as a namespace' : 'shipped code',
    node: process.version,
    runs: RUNS,
    bytes: { api: sizes.api, bare: sizes.bare, ratio: round(sizes.api / sizes.bare, 3), goal: 1.2 },
    coldInitMs: {
      api: round(init.api),
      bare: round(init.bare),
      ratio: round(init.api / init.bare, 3),
      goal: 1.15,
      processWallMs: { api: round(median(runs.apiProcess)), bare: round(median(runs.bareProcess)) },
    },
    meetsGoals: sizes.api / sizes.bare <= 1.2 && init.api / init.bare <= 1.15,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
