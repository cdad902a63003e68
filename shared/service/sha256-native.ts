/** Node's native SHA-256: fast and tiny, but its state cannot be saved. */
import { createHash } from 'node:crypto';
import type { Sha256Factory } from '../ports/sha256.js';

export const nativeSha256: Sha256Factory = {
  resumable: false,
  create: async (saved) => {
    if (saved) throw new Error('native SHA-256 cannot resume a saved state');
    const hash = createHash('sha256');
    return {
      update: (bytes) => void hash.update(bytes),
      hex: () => hash.digest('hex'),
      save: () => {
        throw new Error('native SHA-256 cannot save its state');
      },
    };
  },
};
