/**
 * Check-then-copy: the commit hashes the staged bytes, then copies them into the blob area.
 * The signed upload URL stays valid for an hour, so its holder can PUT other bytes in
 * between. Deterministic: the other bytes are PUT (through the signed URL, to the real
 * server) at the moment the registry starts its copy. A READY version whose blob does not
 * hash to its sha256 is a poisoned content-addressed store (every later version that
 * dedups against that sha256 gets the wrong bytes).
 */
import { randomBytes } from 'node:crypto';
import type { Backend } from '../backend.js';
import { ADMIN } from '../principal-header.js';
import { RegistryClient, sha256, type UploadInstruction } from '../registry-client.js';
import { download } from './event-replay.js';

export interface CheckThenCopyFigures {
  cases: number;
  /** Rewrites the storage accepted between the check and the copy. */
  rewritesAccepted: number;
  readyWithWrongBytes: number;
}

export async function checkThenCopy(backend: Backend, cases: number): Promise<CheckThenCopyFigures> {
  let pending: { instruction: UploadInstruction; bad: Uint8Array; client: RegistryClient } | undefined;
  const figures: CheckThenCopyFigures = { cases: 0, rewritesAccepted: 0, readyWithWrongBytes: 0 };
  const reg = await backend.open({
    beforeCopy: async (from) => {
      const attack = pending;
      if (!attack || !from.includes('/uploads/')) return;
      pending = undefined;
      const status = await attack.client.upload(attack.instruction, attack.bad);
      if (status >= 200 && status < 300) figures.rewritesAccepted++;
    },
  });
  try {
    const client = new RegistryClient(reg);
    const model = `check-then-copy-${reg.backend}`;
    await client.createModel(model);
    for (let i = 0; i < cases; i++) {
      figures.cases++;
      const good = randomBytes(4096);
      const created = await client.createVersion(model, [{ path: 'weights.bin', bytes: good }]);
      const instruction = created.body.uploads[0];
      if (created.status !== 201 || !instruction) throw new Error(`check-then-copy: create answered ${created.status}`);
      await client.upload(instruction, good);
      pending = { instruction, bad: randomBytes(good.length), client };
      const n = created.body.version.version;
      await client.commit(model, n);
      pending = undefined;
      const after = await client.json<{ state?: string }>('GET', `/v1/models/${model}/versions/${n}`, { as: ADMIN });
      if (after.body.state !== 'READY') continue;
      const bytes = await download(client, reg, model, n, 'weights.bin');
      if (!bytes || sha256(bytes) !== sha256(good)) figures.readyWithWrongBytes++;
    }
    return figures;
  } finally {
    await reg.close();
  }
}
