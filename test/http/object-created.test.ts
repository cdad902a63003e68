/** Object-created events through the core, over the local store: staged uploads and `incoming/` drop-ins. */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/domain/keys.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { ingestBlob } from '../../shared/service/blobs.js';
import type { ObjectCreatedEvent } from '../../shared/service/object-created.js';
import { type AppHarness, createAppHarness } from '../support/app-harness.js';
import { overriding } from '../support/object-store-overrides.js';

let h: AppHarness;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

const WRITER = 'AWS:AIDAEXAMPLE';

beforeAll(async () => {
  // The writer of these drop-ins may create models by drop-in (and then owns them).
  h = await createAppHarness({ dropInPrincipals: [WRITER] });
});
afterAll(async () => h.close());

/** Delivers like SQS or Event Grid: a delivery that throws is retried. */
async function deliver(event: ObjectCreatedEvent) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await h.registry.objectCreated(event);
    } catch (e) {
      if (attempt === 20) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function drop(key: string, bytes: Uint8Array, metadata: Record<string, string> = {}, sequencer?: string) {
  const etag = await h.objects.put(key, bytes, metadata);
  const event: ObjectCreatedEvent = { key, size: bytes.length, etag, creator: WRITER };
  if (sequencer !== undefined) event.sequencer = sequencer;
  return event;
}

describe('staged uploads', () => {
  it('the arrival of the last staged file makes the version READY without commit', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'auto' } });
    const a = randomBytes(100);
    const b = randomBytes(200);
    const created = await h.json<{ uploads: Array<{ url: string; headers: Record<string, string> }> }>(
      'POST',
      '/v1/models/auto/versions',
      {
        body: {
          files: [
            { path: 'a.bin', size: a.length, sha256: sha(a) },
            { path: 'b.bin', size: b.length, sha256: sha(b) },
          ],
        },
      },
    );
    const [ua, ub] = created.body.uploads;
    if (!ua || !ub) throw new Error('expected two uploads');
    await h.signed(ua.url, { method: 'PUT', headers: ua.headers, body: new Uint8Array(a) });
    const keyOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice('/_objects/'.length));
    const first = await h.registry.objectCreated({ key: keyOf(ua.url), size: a.length, etag: 'x' });
    expect(first).toMatchObject({ kind: 'staged', model: 'auto', version: 1, state: 'PENDING' });
    await h.signed(ub.url, { method: 'PUT', headers: ub.headers, body: new Uint8Array(b) });
    const second = await h.registry.objectCreated({ key: keyOf(ub.url), size: b.length, etag: 'y' });
    expect(second).toMatchObject({ kind: 'staged', state: 'READY' });
    expect(await h.registry.objectCreated({ key: keyOf(ub.url), size: b.length, etag: 'y' })).toMatchObject({
      state: 'READY',
    });
    expect((await h.json('GET', '/v1/models/auto/versions/latest')).body.version).toBe(1);
  });

  it('ignores keys outside staging and incoming/', async () => {
    expect(await h.registry.objectCreated({ key: 'mreg/blobs/sha256/abc', size: 1, etag: 'e' })).toMatchObject({
      kind: 'ignored',
    });
    expect(await h.registry.objectCreated({ key: 'mreg/uploads/NOPE/0', size: 1, etag: 'e' })).toMatchObject({
      kind: 'ignored',
    });
  });
});

describe('a commit racing the event for the same bytes', () => {
  it('a writer taken for dead is overtaken: its commit claims the bytes the other ingested instead of failing', async () => {
    let race: AppHarness | undefined;
    let raced = false;
    // The event's ingestion lands between the commit's hash and its copy, and removes the staged bytes.
    const racing = (store: ObjectStore): ObjectStore =>
      overriding(store, {
        copy: (target) => async (from, to, options) => {
          if (!raced && race && to.includes('/blobs/')) {
            raced = true;
            const sha256 = to.slice(to.lastIndexOf('/') + 1);
            const info = await target.head(from);
            if (!info) throw new Error('no staged bytes');
            await ingestBlob(
              race.registry.context,
              sha256,
              info.size,
              { key: from, etag: info.etag },
              {
                model: 'other',
                version: 1,
              },
            );
            await target.delete(from);
          }
          return target.copy(from, to, options);
        },
      });
    // Every WRITING row counts as abandoned at once, so the event's writer does not wait for the commit's.
    race = await createAppHarness({ blobWriteStaleSeconds: 0 }, racing);
    try {
      await race.json('POST', '/v1/models', { body: { name: 'raced' } });
      const bytes = randomBytes(1000);
      const created = await race.json<{ uploads: Array<{ url: string; headers: Record<string, string> }> }>(
        'POST',
        '/v1/models/raced/versions',
        { body: { files: [{ path: 'm.bin', size: bytes.length, sha256: sha(bytes) }] } },
      );
      const upload = created.body.uploads[0];
      if (!upload) throw new Error('expected an upload');
      await race.signed(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(bytes) });
      const commit = await race.json('POST', '/v1/models/raced/versions/1/commit');
      expect(raced).toBe(true);
      expect(commit.status).toBe(200);
      expect(commit.body.state).toBe('READY');
      const link = await race.json<{ url: string }>('GET', '/v1/models/raced/versions/1/files/m.bin?redirect=false');
      const download = await race.signed(link.body.url, { method: 'GET' });
      expect(sha(new Uint8Array(await download.arrayBuffer()))).toBe(sha(bytes));
    } finally {
      await race.close();
    }
  });
});

describe('two writers ingesting the same bytes', () => {
  it('one copies them in; the other waits for it and claims them', async () => {
    let copies = 0;
    const slowCopies = (store: ObjectStore): ObjectStore =>
      overriding(store, {
        copy: (target) => async (from, to, options) => {
          copies++;
          await new Promise((r) => setTimeout(r, 300));
          return target.copy(from, to, options);
        },
      });
    const two = await createAppHarness({}, slowCopies);
    try {
      const bytes = randomBytes(500);
      const staged = { key: 'mreg/uploads/two/0', etag: await two.objects.put('mreg/uploads/two/0', bytes) };
      const ctx = two.registry.context;
      await Promise.all([
        ingestBlob(ctx, sha(bytes), bytes.length, staged, { model: 'a', version: 1 }),
        ingestBlob(ctx, sha(bytes), bytes.length, staged, { model: 'b', version: 1 }),
      ]);
      expect(copies).toBe(1);
      const pk = keys.blob(sha(bytes));
      expect((await ctx.metadata.get<{ state: string }>(pk, keys.meta))?.data.state).toBe('HELD');
      expect((await ctx.metadata.query(pk, { prefix: keys.blobRefPrefix, limit: 10 })).items).toHaveLength(2);
    } finally {
      await two.close();
    }
  });
});

describe('drop-ins', () => {
  it('create_model registers the model and one READY version, once, however often the event comes', async () => {
    const bytes = randomBytes(4096);
    const event = await drop('incoming/dropped/model.onnx', bytes, { mreg_intent: 'create_model', mreg_label: 'v1' });
    const outcomes = await Promise.all([event, event, event].map(deliver));
    outcomes.push(await deliver(event));
    for (const o of outcomes)
      expect(o).toMatchObject({ kind: 'registered', model: 'dropped', version: 1, state: 'READY' });
    const versions = await h.json<{ items: Array<Record<string, unknown>> }>('GET', '/v1/models/dropped/versions');
    expect(versions.body.items).toHaveLength(1);
    expect(versions.body.items[0]).toMatchObject({
      label: 'v1',
      createdBy: 'AWS:AIDAEXAMPLE',
      files: [{ path: 'model.onnx', sha256: sha(bytes), size: bytes.length }],
    });
    // Overwriting the drop-in later cannot change the READY version's bytes.
    await h.objects.put('incoming/dropped/model.onnx', randomBytes(10));
    const url = await h.json<{ url: string }>('GET', '/v1/models/dropped/versions/1/files/model.onnx?redirect=false');
    expect(sha(Buffer.from(await (await h.signed(url.body.url, { method: 'GET' })).arrayBuffer()))).toBe(sha(bytes));
  });

  it('create_version needs the model; a plain drop-in creates it', async () => {
    const e1 = await drop('incoming/absent/w.bin', randomBytes(10), { mreg_intent: 'create_version' });
    expect(await h.registry.objectCreated(e1)).toMatchObject({ kind: 'rejected' });
    expect((await h.request('GET', '/v1/models/absent')).status).toBe(404);
    const e2 = await drop('incoming/plain/w.bin', randomBytes(10));
    expect(await h.registry.objectCreated(e2)).toMatchObject({ kind: 'registered', state: 'READY' });
  });

  it('reversed overwrite events: the newest write wins and the older event changes nothing', async () => {
    const older = await drop('incoming/over/m.bin', randomBytes(50), {}, '0055B988749A9FE4F0');
    const newerBytes = randomBytes(60);
    const newer = await drop('incoming/over/m.bin', newerBytes, {}, '0055B988749A9FE501');
    expect(await h.registry.objectCreated(newer)).toMatchObject({ kind: 'registered', version: 1 });
    expect(await h.registry.objectCreated(older)).toMatchObject({ kind: 'ignored' });
    expect(await h.registry.objectCreated(newer)).toMatchObject({ kind: 'registered', version: 1 });
    const versions = await h.json<{ items: Array<{ files: Array<{ sha256: string }> }> }>(
      'GET',
      '/v1/models/over/versions',
    );
    expect(versions.body.items).toHaveLength(1);
    expect(versions.body.items[0]?.files[0]?.sha256).toBe(sha(newerBytes));
  });

  it('a batch registers when its manifest arrives, not file by file', async () => {
    const a = randomBytes(30);
    const b = randomBytes(40);
    const ea = await drop('incoming/batchy/run-7/a.bin', a);
    const eb = await drop('incoming/batchy/run-7/sub/b.bin', b);
    expect(await h.registry.objectCreated(ea)).toMatchObject({ kind: 'ignored' });
    expect(await h.registry.objectCreated(eb)).toMatchObject({ kind: 'ignored' });
    const manifest = Buffer.from(
      JSON.stringify({
        files: [{ path: 'a.bin', sha256: sha(a) }, { path: 'sub/b.bin' }],
        label: 'run-7',
        format: 'onnx',
      }),
    );
    const em = await drop('incoming/batchy/run-7/mreg.json', manifest);
    expect(await h.registry.objectCreated(em)).toMatchObject({ kind: 'registered', model: 'batchy', state: 'READY' });
    const v = await h.json('GET', '/v1/models/batchy/versions/label:run-7');
    expect(v.body.files).toEqual([
      expect.objectContaining({ path: 'a.bin', sha256: sha(a) }),
      expect.objectContaining({ path: 'sub/b.bin', sha256: sha(b) }),
    ]);
  });

  it('update_artifact supplies the bytes of a PENDING version', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'late', dropInPrincipals: [WRITER] } });
    const bytes = randomBytes(77);
    await h.json('POST', '/v1/models/late/versions', {
      body: { files: [{ path: 'x.bin', size: 77, sha256: sha(bytes) }] },
    });
    const e = await drop('incoming/late/x.bin', bytes, { mreg_intent: 'update_artifact', mreg_version: '1' });
    expect(await h.registry.objectCreated(e)).toMatchObject({ kind: 'registered', version: 1, state: 'READY' });
    const wrong = await drop('incoming/late/x.bin', randomBytes(77), {
      mreg_intent: 'update_artifact',
      mreg_version: '1',
    });
    expect(await h.registry.objectCreated(wrong)).toMatchObject({ kind: 'rejected' });
  });

  it('rejects hostile drop-in names and honours the allow-list', async () => {
    for (const key of ['incoming/../x/m.bin', 'incoming/a b/m.bin', 'incoming/ok/.', 'incoming/ok/a\\b'])
      expect(await h.registry.objectCreated({ key, size: 1, etag: 'e' })).toMatchObject({ kind: 'rejected' });
    const guarded = await createAppHarness({ dropInPrincipals: ['AWS:TRAINER'] });
    try {
      const etag = await guarded.objects.put('incoming/g/m.bin', randomBytes(5));
      expect(
        await guarded.registry.objectCreated({ key: 'incoming/g/m.bin', size: 5, etag, creator: 'AWS:INTRUDER' }),
      ).toMatchObject({
        kind: 'rejected',
      });
      expect(
        await guarded.registry.objectCreated({ key: 'incoming/g/m.bin', size: 5, etag, creator: 'AWS:TRAINER' }),
      ).toMatchObject({ kind: 'registered' });
    } finally {
      await guarded.close();
    }
  });
});

describe('lost notifications', () => {
  it('the sweeper refuses drop-ins no event announced (their writer is unknown), remembers them, and a late event still registers one', async () => {
    // Its own registry: the sweep looks at every drop-in under incoming/, and counts must not depend on other tests.
    const own = await createAppHarness({ dropInPrincipals: [WRITER] });
    try {
      const put = async (key: string, bytes: Uint8Array, metadata: Record<string, string> = {}) => ({
        key,
        size: bytes.length,
        etag: await own.objects.put(key, bytes, metadata),
        creator: WRITER,
      });
      // An announced drop-in, then an overwrite of it that no event announced.
      const announced = await put('incoming/dropped/model.onnx', randomBytes(40), { mreg_intent: 'create_model' });
      expect(await own.registry.objectCreated(announced)).toMatchObject({ kind: 'registered', version: 1 });
      await put('incoming/dropped/model.onnx', randomBytes(10));
      // A new drop-in whose event never came, and one whose event was refused.
      const bytes = randomBytes(300);
      const unannounced = await put('incoming/unnotified/model.bin', bytes, { mreg_intent: 'create_model' });
      const refused = await put('incoming/nomodel/model.bin', randomBytes(5), { mreg_intent: 'create_version' });
      expect(await own.registry.objectCreated(refused)).toMatchObject({ kind: 'rejected' });
      const first = await own.registry.sweep();
      expect(first.incoming.registered).toBe(0);
      expect((await own.json('GET', '/v1/models/dropped/versions/latest')).body.version).toBe(1);
      expect((await own.request('GET', '/v1/models/unnotified')).status).toBe(404);
      for (const model of ['dropped', 'unnotified']) {
        const listed = await own.json<{ items: Array<{ state: string; reason?: string }> }>(
          'GET',
          `/v1/models/${model}/drop-ins`,
        );
        expect(listed.body.items, model).toEqual([
          expect.objectContaining({ state: 'REJECTED', reason: expect.stringMatching(/writer/) }),
        ]);
      }
      expect((await own.registry.sweep()).incoming.registered).toBe(0);
      expect((await own.request('GET', '/v1/models/nomodel')).status).toBe(404);
      // The notification, redelivered (a dead-letter queue redriven), names the writer: it registers.
      expect(await own.registry.objectCreated(unannounced)).toMatchObject({ kind: 'registered', state: 'READY' });
      const version = await own.json('GET', '/v1/models/unnotified/versions/latest');
      expect(version.body).toMatchObject({ state: 'READY', files: [{ path: 'model.bin', sha256: sha(bytes) }] });
    } finally {
      await own.close();
    }
  });
});
