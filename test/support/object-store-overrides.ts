/** A store whose given methods are replaced (each gets the real store) and the rest delegated: for forcing races and quirks. */
import type { ObjectStore } from '../../shared/ports/object-store.js';

type Overrides = { [K in keyof ObjectStore]?: (store: ObjectStore) => ObjectStore[K] };

export function overriding(store: ObjectStore, overrides: Overrides): ObjectStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const override = overrides[prop as keyof ObjectStore];
      if (override) return override(target);
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
