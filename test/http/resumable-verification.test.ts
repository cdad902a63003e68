/** Verification of files too large for one invocation: hash state saved, resumed, same digest. */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import { digestObject } from '../../shared/service/resumable-digest.js';
import { nativeSha256 } from '../../shared/service/sha256-native.js';
import { resumableSha256 } from '../../shared/service/sha256-resumable.js';
import { createAppHarness } from '../support/app-harness.js';
import { overriding } from '../support/object-store-overrides.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A store that, like Azure Blob or s3rver, reports no verified SHA-256: the registry must hash. */
const withoutChecksums = (store: ObjectStore): ObjectStore =>
  overriding(store, {
    head: (target) => async (key) => {
      const info = await target.head(key);
      if (!info) return info;
      const { sha256: _hidden, ...rest } = info;
      return rest;
    },
  });

describe('resumable digest', () => {
  it('resumes from saved state to the same SHA-256, and restarts when the object changed', async () => {
    const h = await createAppHarness();
    try {
      const bytes = randomBytes(1_000_003);
      const etag = await h.objects.put('mreg/x/big', bytes);
      let calls = 0;
      let outcome = await digestObject(
        h.objects,
        'mreg/x/big',
        { size: bytes.length, etag },
        { sha256: resumableSha256, deadlineMs: 0, rangeBytes: 300_000 },
      );
      while (!outcome.done) {
        calls++;
        expect(outcome.progress.offset % 300_000).toBe(0);
        outcome = await digestObject(
          h.objects,
          'mreg/x/big',
          { size: bytes.length, etag },
          {
            sha256: resumableSha256,
            progress: outcome.progress,
            deadlineMs: 0,
            rangeBytes: 300_000,
          },
        );
      }
      expect(calls).toBe(3);
      expect(outcome.sha256).toBe(sha(bytes));
      const first = await digestObject(
        h.objects,
        'mreg/x/big',
        { size: bytes.length, etag },
        { sha256: resumableSha256, deadlineMs: 0, rangeBytes: 300_000 },
      );
      if (first.done) throw new Error('expected a suspended digest');
      const other = randomBytes(10);
      const newEtag = await h.objects.put('mreg/x/big', other);
      const restarted = await digestObject(
        h.objects,
        'mreg/x/big',
        { size: 10, etag: newEtag },
        {
          sha256: resumableSha256,
          progress: first.progress,
          deadlineMs: Number.MAX_SAFE_INTEGER,
        },
      );
      expect(restarted).toEqual({ done: true, sha256: sha(other) });
    } finally {
      await h.close();
    }
  });

  it('a native hasher, which cannot save, hashes to the end past its deadline and ignores saved progress', async () => {
    const h = await createAppHarness();
    try {
      const bytes = randomBytes(1_000_003);
      const etag = await h.objects.put('mreg/x/big', bytes);
      const object = { size: bytes.length, etag };
      const suspended = await digestObject(h.objects, 'mreg/x/big', object, {
        sha256: resumableSha256,
        deadlineMs: 0,
        rangeBytes: 300_000,
      });
      if (suspended.done) throw new Error('expected a suspended digest');
      const native = await digestObject(h.objects, 'mreg/x/big', object, {
        sha256: nativeSha256,
        progress: suspended.progress,
        deadlineMs: 0,
        rangeBytes: 300_000,
      });
      expect(native).toEqual({ done: true, sha256: sha(bytes) });
    } finally {
      await h.close();
    }
  });

  it('a version whose verification runs out of time re-enqueues itself and turns READY', async () => {
    const h = await createAppHarness({ inlineHashMaxBytes: 1024, verificationSliceMs: 0 }, withoutChecksums);
    try {
      await h.json('POST', '/v1/models', { body: { name: 'slow' } });
      const bytes = randomBytes(64 * 1024 * 1024 + 5000);
      const created = await h.json<{ uploads: Array<{ url: string; headers: Record<string, string> }> }>(
        'POST',
        '/v1/models/slow/versions',
        { body: { files: [{ path: 'w.bin', size: bytes.length, sha256: sha(bytes) }] } },
      );
      const upload = created.body.uploads[0];
      expect(
        (
          await h.signed(upload?.url ?? '', {
            method: 'PUT',
            headers: upload?.headers ?? {},
            body: new Uint8Array(bytes),
          })
        ).status,
      ).toBe(200);
      expect((await h.json('POST', '/v1/models/slow/versions/1/commit')).status).toBe(202);
      let state = 'PENDING';
      for (let i = 0; i < 200 && state === 'PENDING'; i++) {
        await new Promise((r) => setTimeout(r, 25));
        state = String((await h.json('GET', '/v1/models/slow/versions/1')).body.state);
      }
      expect(state).toBe('READY');
      const history = await h.json<{ items: Array<{ action: string }> }>('GET', '/v1/models/slow/history');
      // One suspension at commit, one when the first slice ran out, then READY.
      expect(history.body.items.filter((i) => i.action === 'version.verify').length).toBeGreaterThanOrEqual(2);
    } finally {
      await h.close();
    }
  });
});
