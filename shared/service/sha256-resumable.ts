/** hash-wasm's SHA-256, whose `save()`/`load()` let a verification continue in a later invocation. */
import { createSHA256 } from 'hash-wasm';
import type { Sha256Factory } from '../ports/sha256.js';

export const resumableSha256: Sha256Factory = {
  resumable: true,
  create: async (saved) => {
    const hasher = await createSHA256();
    if (saved) hasher.load(saved);
    else hasher.init();
    return {
      update: (bytes) => void hasher.update(bytes),
      hex: () => hasher.digest('hex'),
      save: () => hasher.save(),
    };
  },
};
