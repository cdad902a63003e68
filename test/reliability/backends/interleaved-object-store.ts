/** The hooks a section asks for (OpenOptions), around a real ObjectStore: nothing is faked, every call still reaches it. */
import type { ObjectStore } from '../../../shared/ports/object-store.js';
import { overriding } from '../../support/object-store-overrides.js';
import type { OpenOptions } from '../backend.js';

export function withHooks(store: ObjectStore, options: Pick<OpenOptions, 'beforeCopy' | 'onRead'>): ObjectStore {
  const { beforeCopy, onRead } = options;
  return overriding(store, {
    ...(beforeCopy
      ? {
          copy: (s) => async (from, to, copyOptions) => {
            await beforeCopy(from, to);
            return s.copy(from, to, copyOptions);
          },
        }
      : {}),
    ...(onRead
      ? {
          read: (s) => (key, readOptions) => {
            onRead(key);
            return s.read(key, readOptions);
          },
        }
      : {}),
  });
}
