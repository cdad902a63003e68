/**
 * Push and pull through the local server with the CLI's code, against a raw PUT/GET of the
 * same bytes to the same server. Prints one JSON object. Usage: tsx bench/local-push-pull.ts [--mib 1024]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RegistryClient } from '../cli/registry-client.js';
import { startLocalServer } from '../functions/local/server.js';
import { measurePushPull, writeRandomFile } from './push-pull-figures.js';

const { values } = parseArgs({ options: { mib: { type: 'string' } } });
const MIB = Number(values.mib ?? 1024);
const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-pp-'));
const file = join(dir, 'model.bin');
await writeRandomFile(file, MIB);
const server = await startLocalServer({ dataDir: join(dir, 'data'), port: 0, host: '127.0.0.1', sweepIntervalMs: 0 });
try {
  const client = new RegistryClient({ baseUrl: server.url });
  console.log(
    JSON.stringify(
      await measurePushPull({ benchmark: 'local-push-pull', client, objects: server.objects, dir, file, mib: MIB }),
    ),
  );
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
