/** The `mreg` CLI against the real local server: push a folder (one file multipart), pull it back, verify. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HashCache } from '../../cli/hash-cache.js';
import { pull } from '../../cli/pull.js';
import { push } from '../../cli/push.js';
import { RegistryClient } from '../../cli/registry-client.js';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';

let reg: TestRegistry;
beforeAll(async () => {
  reg = await startTestRegistry({ settings: { multipartThresholdBytes: 6 * 1024 * 1024 } });
});
afterAll(async () => reg.stop());

it('pushes a folder, replays an identical push, and pulls byte-identical files', async () => {
  const src = join(reg.dir, 'model');
  await mkdir(join(src, 'tokenizer'), { recursive: true });
  const big = randomBytes(13 * 1024 * 1024 + 17);
  const small = randomBytes(1000);
  await writeFile(join(src, 'weights.bin'), big);
  await writeFile(join(src, 'tokenizer', 'vocab.json'), small);
  const client = new RegistryClient({ baseUrl: reg.url });
  await client.call('POST', '/v1/models', { name: 'cli-model' });
  const files = [join(src, 'weights.bin'), join(src, 'tokenizer', 'vocab.json')];
  const hashCache = new HashCache(join(reg.dir, 'hashes.json'));
  const pushed = await push(client, { model: 'cli-model', files, root: src, label: '0.1.0', hashCache });
  expect(pushed).toMatchObject({ version: 1, state: 'READY' });
  const again = await push(client, { model: 'cli-model', files, root: src, label: '0.1.0', hashCache });
  expect(again.version).toBe(1);
  const out = join(reg.dir, 'out');
  await pull(client, { model: 'cli-model', ref: 'label:0.1.0', out });
  expect((await readFile(join(out, 'weights.bin'))).equals(big)).toBe(true);
  expect((await readFile(join(out, 'tokenizer', 'vocab.json'))).equals(small)).toBe(true);
});

it('runs as a command and reports problems with their fields', async () => {
  // Asynchronous: the server answering the child runs in this process.
  const run = (args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        ['cli/bin.mjs', ...args],
        { env: { ...process.env, MREG_URL: reg.url } },
        (error, stdout, stderr) => done({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const ok = await run(['versions', 'cli-model']);
  expect(ok.status, ok.stderr).toBe(0);
  expect(JSON.parse(ok.stdout).items[0].version).toBe(1);
  const bad = await run(['alias', 'cli-model', 'latest', '1']);
  expect(bad.status).toBe(1);
  expect(bad.stderr).toContain('alias');
});
