/** Delegates every call to a real ObjectStore, running a hook just before each server-side copy. */
import type { ObjectStore } from '../../../shared/ports/object-store.js';

export function withCopyHook(store: ObjectStore, beforeCopy: (from: string, to: string) => Promise<void>): ObjectStore {
  return {
    get maxSinglePutBytes() {
      return store.maxSinglePutBytes;
    },
    get multipart() {
      return store.multipart;
    },
    presignPut: (key, options) => store.presignPut(key, options),
    createMultipart: (key, options) => store.createMultipart(key, options),
    presignPart: (key, uploadId, partNumber, seconds) => store.presignPart(key, uploadId, partNumber, seconds),
    listParts: (key, uploadId) => store.listParts(key, uploadId),
    completeMultipart: (key, uploadId, parts) => store.completeMultipart(key, uploadId, parts),
    abortMultipart: (key, uploadId) => store.abortMultipart(key, uploadId),
    presignGet: (key, options) => store.presignGet(key, options),
    write: (key, body, options) => store.write(key, body, options),
    head: (key) => store.head(key),
    read: (key, options) => store.read(key, options),
    copy: async (from, to, options) => {
      await beforeCopy(from, to);
      return store.copy(from, to, options);
    },
    delete: (key) => store.delete(key),
    list: (prefix, options) => store.list(prefix, options),
  };
}
