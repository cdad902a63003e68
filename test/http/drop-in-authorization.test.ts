/**
 * Who may register a drop-in: deny by default. A drop-in becomes a version only when its
 * writer (the S3 `principalId`, the Event Grid identity) is a writer of that model (owner,
 * maintainer, or listed in the model's `dropInPrincipals`); it creates a model only when the
 * writer is on the deployment's allow-list. It never acts as an admin. Every rejection is
 * remembered and listed at `GET /v1/models/{model}/drop-ins`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectCreatedEvent } from '../../shared/service/object-created.js';
import { type AppHarness, createAppHarness, principal } from '../support/app-harness.js';
import { overriding } from '../support/object-store-overrides.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const ALICE = principal('alice', 'write');
const TRAINER = 'AWS:AROATRAINER:job-1';
const MALLORY = 'AWS:AIDAMALLORY';

let h: AppHarness;
let failNextCopy = false;

beforeAll(async () => {
  h = await createAppHarness({ dropInPrincipals: [TRAINER] }, (store) =>
    overriding(store, {
      copy: (real) => async (from, to, options) => {
        if (failNextCopy) {
          failNextCopy = false;
          throw new Error('copy failed (injected)');
        }
        return real.copy(from, to, options);
      },
    }),
  );
});
afterAll(async () => h.close());

async function drop(key: string, creator: string | undefined, metadata: Record<string, string> = {}) {
  const bytes = randomBytes(64);
  const etag = await h.objects.put(key, bytes, metadata);
  const event: ObjectCreatedEvent = { key, size: bytes.length, etag };
  if (creator !== undefined) event.creator = creator;
  return { event, bytes };
}

interface DropInListing {
  items: Array<{ path: string; state: string; creator?: string; reason?: string; version?: number }>;
}
const listing = (model: string) => h.json<DropInListing>('GET', `/v1/models/${model}/drop-ins`, { as: 'read' });

describe('drop-ins into an existing model', () => {
  it('a foreign principal cannot add a version to a model with maintainers, and latest does not move', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'guarded', maintainers: ['alice'] }, as: ALICE });
    // TRAINER is on the deployment's allow-list: that lets it create models, not write alice's.
    for (const [i, foreign] of [TRAINER, MALLORY].entries()) {
      const { event } = await drop(`incoming/guarded/model${i}.bin`, foreign);
      expect(await h.registry.objectCreated(event), foreign).toMatchObject({ kind: 'rejected' });
    }
    expect((await h.json('GET', '/v1/models/guarded/versions/latest')).status).toBe(404);
    const listed = await listing('guarded');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ path: 'model0.bin', state: 'REJECTED', creator: TRAINER, reason: expect.any(String) }),
      expect.objectContaining({ path: 'model1.bin', state: 'REJECTED', creator: MALLORY, reason: expect.any(String) }),
    ]);
  });

  it('a foreign principal cannot add a version to a model without maintainers either (deny by default)', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'open-model' }, as: ALICE });
    const { event } = await drop('incoming/open-model/model.bin', TRAINER);
    expect(await h.registry.objectCreated(event)).toMatchObject({ kind: 'rejected' });
    expect((await h.json('GET', '/v1/models/open-model/versions/latest')).status).toBe(404);
  });

  it('the model owner, a maintainer and a principal the model lists for drop-ins may drop in', async () => {
    const created = await h.json('POST', '/v1/models', {
      body: { name: 'listed', maintainers: ['AWS:AIDAMAINTAINER'], dropInPrincipals: ['AWS:AIDACI'] },
      as: principal('AWS:AIDAOWNER', 'write'),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ dropInPrincipals: ['AWS:AIDACI'] });
    for (const [i, writer] of ['AWS:AIDAOWNER', 'AWS:AIDAMAINTAINER', 'AWS:AIDACI'].entries()) {
      const { event } = await drop(`incoming/listed/w${i}.bin`, writer);
      expect(await h.registry.objectCreated(event), writer).toMatchObject({ kind: 'registered', state: 'READY' });
      expect((await h.json('GET', '/v1/models/listed/versions/latest')).body).toMatchObject({ createdBy: writer });
    }
    const { event } = await drop('incoming/listed/mallory.bin', MALLORY);
    expect(await h.registry.objectCreated(event)).toMatchObject({ kind: 'rejected' });
  });

  it('a writer of the model lists drop-in principals through PATCH; the list is validated', async () => {
    const { event } = await drop('incoming/open-model/ci.bin', 'AWS:AIDACI');
    expect(await h.registry.objectCreated(event)).toMatchObject({ kind: 'rejected' });
    const patched = await h.json('PATCH', '/v1/models/open-model', {
      body: { dropInPrincipals: ['AWS:AIDACI'] },
      as: ALICE,
    });
    expect(patched.status).toBe(200);
    const again = await drop('incoming/open-model/ci.bin', 'AWS:AIDACI');
    expect(await h.registry.objectCreated(again.event)).toMatchObject({ kind: 'registered', state: 'READY' });
    for (const bad of [[''], ['x'.repeat(257)], Array.from({ length: 101 }, (_, i) => `p${i}`), 'AWS:AIDACI'])
      expect(
        (await h.json('PATCH', '/v1/models/open-model', { body: { dropInPrincipals: bad }, as: ALICE })).status,
      ).toBe(400);
    // A reader cannot change it; a writer who is not a maintainer of a guarded model cannot either.
    expect(
      (
        await h.json('PATCH', '/v1/models/guarded', {
          body: { dropInPrincipals: [MALLORY] },
          as: principal('eve', 'write'),
        })
      ).status,
    ).toBe(403);
  });

  it('update_artifact from a foreign principal is refused before its bytes reach the version', async () => {
    await h.json('POST', '/v1/models', { body: { name: 'pending', maintainers: ['alice'] }, as: ALICE });
    const bytes = randomBytes(64);
    await h.json('POST', '/v1/models/pending/versions', {
      body: { files: [{ path: 'x.bin', size: bytes.length, sha256: sha(bytes) }] },
      as: ALICE,
    });
    const etag = await h.objects.put('incoming/pending/x.bin', bytes, {
      mreg_intent: 'update_artifact',
      mreg_version: '1',
    });
    const outcome = await h.registry.objectCreated({ key: 'incoming/pending/x.bin', size: 64, etag, creator: TRAINER });
    expect(outcome).toMatchObject({ kind: 'rejected' });
    expect((await h.json('GET', '/v1/models/pending/versions/1')).body).toMatchObject({ state: 'PENDING' });
  });
});

describe('drop-ins that would create a model', () => {
  it('need a principal on the deployment allow-list; the drop-in writer then owns the model', async () => {
    const { event } = await drop('incoming/fresh-by-mallory/m.bin', MALLORY);
    expect(await h.registry.objectCreated(event)).toMatchObject({ kind: 'rejected' });
    expect((await h.request('GET', '/v1/models/fresh-by-mallory')).status).toBe(404);
    // The rejection of a model that does not exist is listed too.
    expect((await listing('fresh-by-mallory')).body.items).toMatchObject([{ state: 'REJECTED', creator: MALLORY }]);

    const trained = await drop('incoming/fresh/m.bin', TRAINER, { mreg_intent: 'create_model' });
    expect(await h.registry.objectCreated(trained.event)).toMatchObject({ kind: 'registered', state: 'READY' });
    expect((await h.json('GET', '/v1/models/fresh')).body).toMatchObject({ owner: TRAINER, createdBy: TRAINER });
    expect((await listing('fresh')).body.items).toMatchObject([{ path: 'm.bin', state: 'REGISTERED', version: 1 }]);
  });

  it('are refused everywhere when the deployment lists nobody, and so are drop-ins into its models', async () => {
    const closed = await createAppHarness();
    try {
      await closed.json('POST', '/v1/models', { body: { name: 'kept', maintainers: ['alice'] }, as: ALICE });
      const into = await closed.objects.put('incoming/kept/m.bin', randomBytes(5));
      expect(
        await closed.registry.objectCreated({ key: 'incoming/kept/m.bin', size: 5, etag: into, creator: MALLORY }),
      ).toMatchObject({ kind: 'rejected' });
      expect((await closed.request('GET', '/v1/models/kept/versions/latest')).status).toBe(404);
      const etag = await closed.objects.put('incoming/any/m.bin', randomBytes(5));
      for (const creator of [TRAINER, MALLORY, undefined]) {
        const event: ObjectCreatedEvent = { key: 'incoming/any/m.bin', size: 5, etag };
        if (creator) event.creator = creator;
        expect(await closed.registry.objectCreated(event)).toMatchObject({ kind: 'rejected' });
      }
      expect((await closed.request('GET', '/v1/models/any')).status).toBe(404);
    } finally {
      await closed.close();
    }
  });

  it('a drop-in whose writer is unknown is refused', async () => {
    const { event } = await drop('incoming/fresh/anonymous.bin', undefined);
    expect(await h.registry.objectCreated(event)).toMatchObject({ kind: 'rejected' });
  });
});

describe('reconciliation of incoming/', () => {
  it('finishes a drop-in whose event came but failed, as its recorded writer; refuses one no event announced', async () => {
    failNextCopy = true;
    const { event } = await drop('incoming/fresh/retry.bin', TRAINER);
    await expect(h.registry.objectCreated(event)).rejects.toThrow(/injected/);
    await drop('incoming/fresh/unannounced.bin', TRAINER);
    const swept = await h.registry.sweep();
    expect(swept.incoming.registered).toBe(1);
    const items = (await listing('fresh')).body.items;
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'retry.bin', state: 'REGISTERED', creator: TRAINER }),
        expect.objectContaining({
          path: 'unannounced.bin',
          state: 'REJECTED',
          reason: expect.stringMatching(/writer/),
        }),
      ]),
    );
    // Remembered: the next sweep does not redo either.
    expect((await h.registry.sweep()).incoming.registered).toBe(0);
  });
});
