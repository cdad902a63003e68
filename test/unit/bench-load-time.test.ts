/** The Azure bundle benchmark's load timing: a bundle that throws on load is an error, never a 0 ms figure. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOnce } from '../../bench/load-time.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mreg-load-time-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('loadOnce (bench/azure-bundle.ts)', () => {
  it('times a bundle that loads', async () => {
    const file = join(dir, 'ok.cjs');
    await writeFile(file, 'module.exports = 1;');
    expect(loadOnce(file)).toBeGreaterThan(0);
  });

  it('throws, with the error, when require throws', async () => {
    const file = join(dir, 'broken.cjs');
    await writeFile(file, "throw new Error('cannot find module @azure/functions-core');");
    expect(() => loadOnce(file)).toThrow(/cannot find module @azure\/functions-core/);
  });
});
