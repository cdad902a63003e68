/** The history outbox publishes every event once per drain, in order, with the history ulid as id. */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RegistryEvent } from '../../shared/ports/event-sink.js';
import { type AppHarness, createAppHarness } from '../support/app-harness.js';

let h: AppHarness;
beforeAll(async () => {
  h = await createAppHarness();
});
afterAll(async () => h.close());

it('drains history rows to the sink and resumes where it stopped', async () => {
  const received: RegistryEvent[] = [];
  const sink = { publish: async (events: RegistryEvent[]) => void received.push(...events) };
  await h.json('POST', '/v1/models', { body: { name: 'evt' } });
  const bytes = randomBytes(16);
  const digest = createHash('sha256').update(bytes).digest('hex');
  const created = await h.json<{ uploads: Array<{ url: string; headers: Record<string, string> }> }>(
    'POST',
    '/v1/models/evt/versions',
    {
      body: { files: [{ path: 'm', size: 16, sha256: digest }] },
    },
  );
  const upload = created.body.uploads[0];
  await h.signed(upload?.url ?? '', { method: 'PUT', headers: upload?.headers ?? {}, body: new Uint8Array(bytes) });
  await h.json('POST', '/v1/models/evt/versions/1/commit');
  await h.json('PUT', '/v1/models/evt/aliases/prod', { body: { version: 1 } });
  expect((await h.registry.drainHistory(sink)).published).toBe(3);
  expect(received.map((e) => e.type)).toEqual(['ModelChanged', 'ModelVersionReady', 'AliasMoved']);
  expect(received.every((e) => /^[0-9A-Z]{26}$/.test(e.id) && e.model === 'evt')).toBe(true);
  expect((await h.registry.drainHistory(sink)).published).toBe(0);
  await h.request('DELETE', '/v1/models/evt/aliases/prod');
  expect((await h.registry.drainHistory(sink)).published).toBe(1);
  expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
});
