/**
 * Push and pull through the Azure Functions handlers (behind a stand-in host, on Azurite) with
 * the CLI's code, against a raw SAS PUT/GET of the same bytes to the same Azurite (no hashing,
 * no registry). Also: identical bytes pushed again (goal: under 2 s at any size).
 * Prints one JSON object. Usage: tsx bench/azure-push-pull.ts [--mib 256]
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RegistryClient } from '../cli/registry-client.js';
import { startAzurite } from '../test/support/azure/azurite.js';
import { functionsApp } from '../test/support/azure/functions-app.js';
import { startFunctionsHost } from '../test/support/azure/functions-host.js';
import { measurePushPull, writeRandomFile } from './push-pull-figures.js';

const { values } = parseArgs({ options: { mib: { type: 'string' } } });
const MIB = Number(values.mib ?? 256);
const dir = await mkdtemp(join(tmpdir(), 'mreg-bench-azure-pp-'));
const file = join(dir, 'model.bin');
await writeRandomFile(file, MIB);
const azurite = await startAzurite();
const fx = await functionsApp(azurite, { container: 'bench', table: 'bench' });
const host = await startFunctionsHost(fx.handlers);
try {
  const client = new RegistryClient({ baseUrl: host.url, token: await fx.token() });
  const figures = await measurePushPull({
    benchmark: 'azure-push-pull',
    about: { server: 'azurite 3.35.0 in memory, handlers behind a stand-in host' },
    client,
    objects: fx.runtime.objects,
    dir,
    file,
    mib: MIB,
  });
  console.log(JSON.stringify(figures));
} finally {
  await host.close();
  await fx.close();
  await azurite.stop();
  await rm(dir, { recursive: true, force: true });
}
