/**
 * The `mreg` CLI end to end, run as a person runs it (the real bin, its own HOME), against
 * one registry backend: multipart push killed and resumed, dedup, an interrupted pull
 * continued with ranged reads, a damaged blob caught, every command of the tour, output for
 * pipes and scripts, errors and exit codes, and configuration provenance.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliHome, cliHome, plain, until } from '../support/cli-runner.js';
import type { CliBackend } from './backends.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;
/** Each test runs the CLI many times; a busy machine starts Node slowly. */
const SLOW = 120_000;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const json = <T = Record<string, unknown>>(text: string): T => JSON.parse(text) as T;

export function cliSuite(start: () => Promise<CliBackend>): void {
  let backend: CliBackend;
  let home: CliHome;
  /** More than three parts at --part-size 5MiB. */
  const big = randomBytes(3 * PART + 1234);
  let bigFile: string;

  beforeAll(async () => {
    backend = await start();
    home = await cliHome({ MREG_URL: backend.url, MREG_TOKEN: backend.token });
    bigFile = join(home.dir, 'work', 'weights.bin');
    await writeFile(bigFile, big);
  });
  afterAll(async () => {
    backend?.gate.release();
    await backend?.stop();
    await home?.remove();
  });

  /** The pushes the CLI remembers as interrupted. */
  const pushes = async () =>
    (await readdir(join(home.dir, '.cache', 'mreg', 'pushes')).catch(() => [] as string[])).filter((n) =>
      n.endsWith('.json'),
    );

  describe('push and pull', () => {
    it(
      'pushes a file larger than three parts, resumes it after the process is killed, and pulls it back verified',
      async () => {
        const args = ['push', 'llm', bigFile, '--create', '--part-size', '5MiB', '--concurrency', '1', '--label', 'v1'];
        backend.gate.holdPartsFrom(3);
        const first = home.spawn(args);
        await until(() => backend.gate.partsStored.length >= 2, 'parts 1 and 2 to be stored');
        first.kill('SIGKILL');
        await first.result;
        backend.gate.release();
        expect(backend.gate.partsStored).toEqual([1, 2]);
        expect(await pushes()).toHaveLength(1);
        const status = json<{ interruptedPushes: Array<{ model: string; version: number; command: string }> }>(
          (await home.run(['status', '--json'])).stdout,
        );
        expect(status.interruptedPushes).toEqual([
          expect.objectContaining({ model: 'llm', version: 1, command: expect.stringContaining('mreg push llm') }),
        ]);

        const resumed = await home.run([...args, '--json']);
        expect(resumed.code, resumed.stderr).toBe(0);
        const report = json<{ version: number; state: string; resumedBytes: number; uploadedBytes: number }>(
          resumed.stdout,
        );
        expect(report).toMatchObject({ version: 1, state: 'READY', resumedBytes: 2 * PART });
        expect(report.uploadedBytes).toBe(big.length - 2 * PART);
        // Parts 1 and 2 were not sent again; 3 and 4 were sent once.
        expect(backend.gate.partsStored).toEqual([1, 2, 3, 4]);
        expect(await pushes()).toEqual([]);

        const listed = await home.run(['versions', 'ls', 'llm', '--json']);
        expect(json<Array<{ version: number }>>(listed.stdout).map((v) => v.version)).toEqual([1]);
        const shown = json<{ files: Array<{ path: string; sha256: string; size: number }> }>(
          (await home.run(['versions', 'show', 'llm@label:v1', '--json'])).stdout,
        );
        expect(shown.files).toEqual([
          expect.objectContaining({ path: 'weights.bin', size: big.length, sha256: sha(big) }),
        ]);

        const pulled = await home.run(['pull', 'llm@1', 'out-1', '--json']);
        expect(pulled.code, pulled.stderr).toBe(0);
        expect(sha(await readFile(join(home.dir, 'work', 'out-1', 'weights.bin')))).toBe(sha(big));
      },
      SLOW,
    );

    it(
      'a second push of the same bytes uploads nothing: the registry already holds them',
      async () => {
        const before = backend.gate.partsStored.length;
        const again = await home.run(['push', 'llm', bigFile, '--part-size', '5MiB', '--json']);
        expect(again.code, again.stderr).toBe(0);
        expect(json(again.stdout)).toMatchObject({
          version: 2,
          state: 'READY',
          uploadedBytes: 0,
          heldBytes: big.length,
        });
        expect(backend.gate.partsStored.length).toBe(before);
      },
      SLOW,
    );

    it(
      'a part that fails is retried with backoff, and the push goes through',
      async () => {
        const bytes = randomBytes(2 * PART + 10);
        await writeFile(join(home.dir, 'work', 'flaky.bin'), bytes);
        backend.gate.failPart(2, 2);
        const pushed = await home.run(['push', 'flaky', 'flaky.bin', '--create', '--part-size', '5MiB']);
        expect(pushed.code, pushed.stderr).toBe(0);
        expect(pushed.stderr).toMatch(/part 2 of flaky\.bin: PUT to \S+ answered 503[^\n]*; retry 1 in [\d.]+s\n/);
        expect(pushed.stderr).toMatch(/part 2 of flaky\.bin: .*; retry 2 in/);
        expect(pushed.stdout).toContain('Pushed flaky version 1');
        const pulled = await home.run(['pull', 'flaky', 'out-flaky', '--json']);
        expect(pulled.code, pulled.stderr).toBe(0);
        expect(sha(await readFile(join(home.dir, 'work', 'out-flaky', 'flaky.bin')))).toBe(sha(bytes));
      },
      SLOW,
    );

    it(
      'a pull killed mid-file continues from its partial file with a ranged read, verified at the end',
      async () => {
        backend.gate.holdDownloadsAfter(6 * MIB);
        const partial = join(home.dir, 'work', 'out-2', 'weights.bin.mreg-partial');
        const first = home.spawn(['pull', 'llm@2', 'out-2']);
        await until(
          async () => ((await stat(partial).catch(() => undefined))?.size ?? 0) >= 6 * MIB,
          'the partial file',
        );
        first.kill('SIGKILL');
        await first.result;
        backend.gate.release();
        await expect(stat(join(home.dir, 'work', 'out-2', 'weights.bin'))).rejects.toThrow();
        backend.gate.ranges.length = 0;

        const resumed = await home.run(['pull', 'llm@2', 'out-2', '--json']);
        expect(resumed.code, resumed.stderr).toBe(0);
        const report = json<{ resumedBytes: number; files: Array<{ outcome: string }> }>(resumed.stdout);
        expect(report.resumedBytes).toBe(6 * MIB);
        expect(report.files[0]?.outcome).toBe('resumed');
        expect(backend.gate.ranges).toContain(`bytes=${6 * MIB}-`);
        expect(sha(await readFile(join(home.dir, 'work', 'out-2', 'weights.bin')))).toBe(sha(big));
        expect(await readdir(join(home.dir, 'work', 'out-2'))).toEqual(['weights.bin']);

        // Pulled again: already there with the right digest, nothing downloaded.
        const again = json<{ downloadedBytes: number; files: Array<{ outcome: string }> }>(
          (await home.run(['pull', 'llm@2', 'out-2', '--json'])).stdout,
        );
        expect(again).toMatchObject({ downloadedBytes: 0, files: [{ outcome: 'unchanged' }] });
      },
      SLOW,
    );

    it(
      'a damaged blob is caught on pull (exit 5), named with both digests, and never moved into place',
      async () => {
        const bytes = randomBytes(200_000);
        await writeFile(join(home.dir, 'work', 'scorer.onnx'), bytes);
        expect((await home.run(['push', 'damaged', 'scorer.onnx', '--create'])).code).toBe(0);
        await backend.corruptBlob(sha(bytes), bytes.length);
        const pulled = await home.run(['pull', 'damaged', 'out-3']);
        expect(pulled.code).toBe(5);
        expect(pulled.stderr).toContain('scorer.onnx');
        expect(pulled.stderr).toContain(`expected ${sha(bytes)}`);
        expect(pulled.stderr).toContain(`got ${sha(Buffer.alloc(bytes.length, 0x5a))}`);
        expect(pulled.stderr).not.toMatch(/\n\s+at /);
        expect(await readdir(join(home.dir, 'work', 'out-3')).catch(() => [])).toEqual([]);
      },
      SLOW,
    );
  });

  describe('the tour', () => {
    let runId: string;

    it(
      'models, runs and metrics; a folder pushed with its label, tags, properties, run and format',
      async () => {
        const model = join(home.dir, 'work', 'fraud-model');
        await writeFile(join(home.dir, 'work', 'readme.md'), '# fraud\n');
        await mkdir(join(model, 'tokenizer'), { recursive: true });
        await writeFile(join(model, 'model.onnx'), randomBytes(50_000));
        await writeFile(join(model, 'tokenizer', 'vocab.json'), '{"a":1}');

        const created = await home.run(['models', 'create', 'fraud', '-d', 'card fraud scorer', '--tag', 'team=risk']);
        expect(created.code, created.stderr).toBe(0);
        const run = await home.run(['runs', 'create', '-q', '-e', 'fraud-training', '-p', 'lr=0.01', '-n', 'nightly']);
        expect(run.code, run.stderr).toBe(0);
        runId = run.stdout.trim();
        expect(runId).toMatch(/^[0-9A-Z]{26}$/);
        const logged = await home.run(['metrics', 'log', runId, 'loss=0.5', 'auc=0.81', '--step', '1']);
        expect(logged.code, logged.stderr).toBe(0);
        await home.run(['metrics', 'log', runId, 'loss=0.25', '--step', '2']);

        const pushed = await home.run([
          'push',
          'fraud',
          'fraud-model',
          '-q',
          '--label',
          '1.2.0',
          '--tag',
          'stage=candidate',
          '--property',
          'auc=0.81',
          '--property',
          'framework=onnx',
          '--run',
          runId,
          '--format',
          'onnx',
        ]);
        expect(pushed.code, pushed.stderr).toBe(0);
        expect(pushed.stdout).toBe('1\n');
        const version = json<Record<string, unknown>>((await home.run(['versions', 'show', 'fraud', '--json'])).stdout);
        expect(version).toMatchObject({
          version: 1,
          label: '1.2.0',
          runId,
          format: 'onnx',
          tags: { stage: 'candidate' },
          properties: { auc: 0.81, framework: 'onnx' },
        });
        expect((version.files as Array<{ path: string }>).map((f) => f.path).sort()).toEqual([
          'model.onnx',
          'tokenizer/vocab.json',
        ]);
        const transient = await home.run(['push', 'fraud', 'readme.md', '--transient', '--ttl', '1h', '--json']);
        expect(json(transient.stdout)).toMatchObject({ version: 2, state: 'READY' });
        expect(json((await home.run(['versions', 'show', 'fraud@2', '--json'])).stdout)).toMatchObject({
          retention: 'transient',
        });
      },
      SLOW,
    );

    it(
      'aliases set, listed, moved and removed with their history; lists as plain lines on a pipe; pull by alias',
      async () => {
        expect((await home.run(['alias', 'set', 'fraud', 'champion', '1'])).code).toBe(0);
        expect((await home.run(['alias', 'set', 'fraud', 'staging', 'label:1.2.0'])).code).toBe(0);
        const aliases = await home.run(['alias', 'ls', 'fraud']);
        expect(aliases.stdout).toBe('champion\t1\nstaging\t1\n');
        expect((await home.run(['alias', 'rm', 'fraud', 'staging'])).code).toBe(0);
        const history = json<Array<{ from: number | null; to: number | null }>>(
          (await home.run(['alias', 'history', 'fraud', 'staging', '--json'])).stdout,
        );
        expect(history.map((m) => [m.from, m.to])).toEqual([
          [null, 1],
          [1, null],
        ]);

        // Plain lines on a pipe: tab-separated, no colour, no header.
        const listed = await home.run(['versions', 'ls', 'fraud']);
        expect(listed.code).toBe(0);
        expect(plain(listed.stdout + listed.stderr)).toBe(true);
        const rows = listed.stdout
          .trim()
          .split('\n')
          .map((line) => line.split('\t'));
        expect(rows.map((r) => r.slice(0, 4))).toEqual([
          ['2', '', 'READY', ''],
          ['1', '1.2.0', 'READY', 'champion'],
        ]);
        const models = await home.run(['models', 'ls', '--prefix', 'fra']);
        expect(models.stdout.split('\t').slice(0, 3)).toEqual(['fraud', 'card fraud scorer', 'team=risk']);
        expect((await home.run(['models', 'ls', '-q'])).stdout.split('\n')).toContain('fraud');
        const shown = json<{ aliases: Record<string, number>; versions: unknown[] }>(
          (await home.run(['models', 'show', 'fraud', '--json'])).stdout,
        );
        expect(shown.aliases).toEqual({ champion: 1 });
        expect(shown.versions).toHaveLength(2);

        const pulled = await home.run(['pull', 'fraud@champion', 'serving', '-q']);
        expect(pulled.code, pulled.stderr).toBe(0);
        expect(pulled.stdout.trim()).toBe(join(home.dir, 'work', 'serving'));
        expect(await readFile(join(home.dir, 'work', 'serving', 'tokenizer', 'vocab.json'), 'utf8')).toBe('{"a":1}');
      },
      SLOW,
    );

    it(
      'a run shows its params, metrics and versions; finished; versions archived and deleted; the model removed',
      async () => {
        const runShown = json<{
          params: Record<string, string>;
          latestMetrics: Record<string, number>;
          modelVersions: unknown[];
        }>((await home.run(['runs', 'show', runId, '--json'])).stdout);
        expect(runShown).toMatchObject({
          params: { lr: '0.01' },
          latestMetrics: { loss: 0.25, auc: 0.81 },
          modelVersions: [{ model: 'fraud', version: 1 }],
        });
        const loss = json<Array<{ step: number; value: number }>>(
          (await home.run(['metrics', 'history', runId, 'loss', '--json'])).stdout,
        );
        expect(loss.map((p) => [p.step, p.value])).toEqual([
          [1, 0.5],
          [2, 0.25],
        ]);
        expect((await home.run(['runs', 'finish', runId, '-q'])).stdout).toBe('FINISHED\n');
        const runs = await home.run(['runs', 'ls', '-e', 'fraud-training']);
        expect(runs.stdout.split('\t').slice(0, 3)).toEqual([runId, 'nightly', 'FINISHED']);
        // Listing experiments makes MLflow's default experiment "0" ("Default") on first use.
        expect((await home.run(['experiments', 'ls', '-q'])).stdout).toBe('Default\nfraud-training\n');

        expect((await home.run(['versions', 'archive', 'fraud@2'])).code).toBe(0);
        expect((await home.run(['versions', 'rm', 'fraud@2'])).code).toBe(2);
        expect((await home.run(['versions', 'rm', 'fraud@2', '--yes'])).code).toBe(0);
        expect((await home.run(['models', 'rm', 'fraud', '--yes'])).code).not.toBe(0);
        const removed = await home.run(['models', 'rm', 'fraud', '--force', '--yes', '--json']);
        expect(removed.code, removed.stderr).toBe(0);
        expect(json(removed.stdout)).toEqual({ deleted: 'fraud' });
      },
      SLOW,
    );
  });

  describe('errors a person understands', () => {
    it(
      'a push to a missing model suggests --create and the closest name (exit 3); nothing is left to resume',
      async () => {
        await home.run(['models', 'create', 'churn']);
        const result = await home.run(['push', 'chrun', 'weights.bin']);
        expect(result.code).toBe(3);
        expect(result.stderr).toContain('model "chrun" does not exist');
        expect(result.stderr).toContain('did you mean "churn"?');
        expect(result.stderr).toContain('--create');
        expect(await pushes()).toEqual([]);
        const pulled = await home.run(['pull', 'chrun']);
        expect(pulled.code).toBe(3);
        expect(pulled.stderr).toContain('did you mean "churn"?');
        const label = await home.run(['versions', 'show', 'llm@label:v2']);
        expect(label.code).toBe(3);
        expect(label.stderr).toContain('did you mean the label "v1" (label:v1)?');
      },
      SLOW,
    );

    it(
      'a wrong token is exit 4 and says where the token came from; a missing scope is named',
      async () => {
        const refused = await home.run(['models', 'ls'], { env: { MREG_TOKEN: 'not-the-token' } });
        expect(refused.code).toBe(4);
        expect(refused.stderr).toContain('from MREG_TOKEN');
        expect(refused.stderr).not.toContain('not-the-token');
        if (backend.readToken) {
          const readOnly = await home.run(['models', 'create', 'nope'], { env: { MREG_TOKEN: backend.readToken } });
          expect(readOnly.code).toBe(4);
          expect(readOnly.stderr).toContain('lacks the scope registry.write');
        }
      },
      SLOW,
    );

    it(
      'login checks the token and writes the config file 0600 in a 0700 directory; config show tells each source',
      async () => {
        const clean = { MREG_URL: '', MREG_TOKEN: '' };
        const bad = await home.run(['login', backend.url, '--token', 'wrong'], { env: clean });
        expect(bad.code).toBe(4);
        expect(bad.stderr).toContain('nothing was saved');
        const good = await home.run(['login', backend.url], { env: clean, input: `${backend.token}\n` });
        expect(good.code, good.stderr).toBe(0);
        const file = join(home.dir, '.config', 'mreg', 'config.json');
        expect(json(await readFile(file, 'utf8'))).toEqual({ url: backend.url, token: backend.token });
        expect((await stat(file)).mode & 0o777).toBe(0o600);
        expect((await stat(join(home.dir, '.config', 'mreg'))).mode & 0o777).toBe(0o700);

        const fromFile = await home.run(['config', 'show', '--json'], { env: clean });
        const shown = json<{ url: { value: string; source: string }; token: { value: string; source: string } }>(
          fromFile.stdout,
        );
        expect(shown.url).toMatchObject({ value: backend.url, source: 'file', origin: file });
        expect(shown.token).toMatchObject({ source: 'file', set: true });
        expect(fromFile.stdout).not.toContain(backend.token);
        // The saved configuration is enough to work.
        expect((await home.run(['models', 'ls', '-q'], { env: clean })).code).toBe(0);

        const fromEnv = json<typeof shown>(
          (await home.run(['config', 'show', '--json'], { env: { MREG_URL: 'http://127.0.0.1:1', MREG_TOKEN: '' } }))
            .stdout,
        );
        expect(fromEnv.url).toMatchObject({ value: 'http://127.0.0.1:1', source: 'env', origin: 'MREG_URL' });
        expect(fromEnv.token).toMatchObject({ source: 'file' });
        const fromFlag = json<typeof shown>(
          (
            await home.run(['config', 'show', '--json', '--url', 'http://127.0.0.1:2'], {
              env: { MREG_URL: 'http://127.0.0.1:1' },
            })
          ).stdout,
        );
        expect(fromFlag.url).toMatchObject({ value: 'http://127.0.0.1:2', source: 'flag', origin: '--url' });
        const table = await home.run(['config', 'show'], { env: clean });
        expect(table.stdout).toContain(`url\t${backend.url}\tfile\t${file}`);

        const status = await home.run(['status', '--json'], { env: clean });
        expect(status.code, status.stderr).toBe(0);
        expect(json(status.stdout)).toMatchObject({ reachable: true, access: 'ok', urlSource: 'file' });
      },
      SLOW,
    );
  });
}
