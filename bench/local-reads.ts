/**
 * P9, reads on the local server: `GET /v1/models/{model}` from 20 connections (autocannon in
 * this process) against the registry in a child process, and against a bare node:http server
 * answering the same JSON with the same headers, in the same run. Goal: at least 40% of the
 * bare server's requests/s. Prints one JSON object.
 *
 * Usage: npm run bench:reads -- [--seconds 15 --connections 20 --rounds 2]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../infra/aws/bundling.js';
import { type LoadFigures, runLoad, type ServerProcess, startRegistryProcess, startServerProcess } from './load.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, connections: { type: 'string' }, rounds: { type: 'string' } },
});
const SECONDS = Number(values.seconds ?? 15);
const CONNECTIONS = Number(values.connections ?? 20);
const ROUNDS = Number(values.rounds ?? 2);
const PATH = '/v1/models/fraud';

const load = (server: ServerProcess) =>
  runLoad({ url: `${server.url}${PATH}`, connections: CONNECTIONS, duration: SECONDS }, server);

const registry = await startRegistryProcess(PROJECT_ROOT);
const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-reads-'));
const rounds: Array<{ registry: LoadFigures; bare: LoadFigures }> = [];
try {
  const created = await fetch(`${registry.url}/v1/models`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'fraud',
      description: 'card fraud scoring',
      tags: { team: 'risk', stage: 'prod' },
      properties: { framework: 'onnx', threshold: 0.7 },
    }),
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  const answer = await fetch(`${registry.url}${PATH}`);
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'etag']) {
    const value = answer.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const file = join(dir, 'answer.json');
  await writeFile(file, JSON.stringify({ body: await answer.text(), headers }));
  const bare = await startServerProcess([join(PROJECT_ROOT, 'bench/bare-json-server.mjs'), file], PROJECT_ROOT);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so drift in the machine's load does not favour one side.
      if (round % 2 === 0) {
        const r = await load(registry);
        rounds.push({ registry: r, bare: await load(bare) });
      } else {
        const b = await load(bare);
        rounds.push({ registry: await load(registry), bare: b });
      }
    }
  } finally {
    await bare.stop();
  }
} finally {
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
}

const sum = (f: (r: { registry: LoadFigures; bare: LoadFigures }) => number) => rounds.reduce((a, r) => a + f(r), 0);
const ratio =
  sum((r) => r.registry.requestsPerSecond) /
  Math.max(
    1,
    sum((r) => r.bare.requestsPerSecond),
  );
console.log(
  JSON.stringify({
    benchmark: 'local-reads',
    path: PATH,
    connections: CONNECTIONS,
    seconds: SECONDS,
    rounds,
    ratioOfBare: Number(ratio.toFixed(3)),
    goal: { ratioOfBareMin: 0.4 },
    pass: ratio >= 0.4 && rounds.every((r) => r.registry.non2xx === 0),
  }),
);
