/**
 * MLflow's artifact flow on the local server: `log_artifact` (the artifact proxy PUT the MLflow
 * client sends: the file streams through the registry, which hashes it and keeps it as a blob)
 * and `download_artifacts` (GET, a 302 to a signed URL, the bytes), against a raw signed PUT and
 * GET of the same bytes to the same server. Prints one JSON object.
 * Usage: tsx bench/mlflow-artifacts.ts [--mib 256]
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { sha256OfFile } from '../cli/push.js';
import { startLocalServer } from '../functions/local/server.js';
import { writeRandomFile } from './push-pull-figures.js';

const { values } = parseArgs({ options: { mib: { type: 'string' } } });
const MIB = Number(values.mib ?? 256);
const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-mlflow-art-'));
const file = join(dir, 'model.bin');
await writeRandomFile(file, MIB);
const server = await startLocalServer({ dataDir: join(dir, 'data'), port: 0, host: '127.0.0.1', sweepIntervalMs: 0 });

const seconds = async (f: () => Promise<unknown>) => {
  const t = performance.now();
  await f();
  return Number(((performance.now() - t) / 1000).toFixed(3));
};
const put = async (url: string, headers: Record<string, string>, size: number) => {
  const res = await fetch(url, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(size) },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (res.status >= 300) throw new Error(`PUT ${res.status}: ${await res.text()}`);
};
/** Reads a body to the end, hashing it as a client writing it to disk would. */
const drain = async (res: Response): Promise<string> => {
  if (res.status >= 300 || !res.body) throw new Error(`GET ${res.status}`);
  const hash = createHash('sha256');
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
};

try {
  const { sha256, size } = await sha256OfFile(file);
  const rawKey = 'mreg/bench/raw.bin';
  const signedPut = await server.objects.presignPut(rawKey, { size, sha256, expiresInSeconds: 600 });
  const rawPut = await seconds(() => put(signedPut.url, signedPut.headers, size));
  const signedGet = await server.objects.presignGet(rawKey, { expiresInSeconds: 600 });
  const rawGet = await seconds(async () => drain(await fetch(signedGet.url)));

  const created = await fetch(`${server.url}/api/2.0/mlflow/runs/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const runId = ((await created.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
  const artifact = `${server.url}/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/model.bin`;
  const logArtifact = await seconds(() => put(artifact, { 'content-type': 'application/octet-stream' }, size));
  let downloaded = '';
  const downloadArtifacts = await seconds(async () => {
    downloaded = await drain(await fetch(artifact, { redirect: 'follow' }));
  });
  if (downloaded !== sha256) throw new Error('the downloaded artifact differs from the file');
  console.log(
    JSON.stringify({
      benchmark: 'mlflow-artifacts',
      mib: MIB,
      rawSignedPutSeconds: rawPut,
      logArtifactSeconds: logArtifact,
      logArtifactVsRawPut: Number((logArtifact / rawPut).toFixed(2)),
      rawSignedGetSeconds: rawGet,
      downloadArtifactsSeconds: downloadArtifacts,
      downloadVsRawGet: Number((downloadArtifacts / rawGet).toFixed(2)),
    }),
  );
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
