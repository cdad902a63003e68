/** The local backend: the registry's app over SQLite and the filesystem store (test/support/app-harness.ts). */
import { defaultSettings } from '../../../shared/service/context.js';
import { createAppHarness } from '../../support/app-harness.js';
import { type Backend, type OpenOptions, type Registry, sectionSettings } from '../backend.js';

export function localBackend(): Backend {
  return {
    name: 'local',
    async open(options: OpenOptions = {}): Promise<Registry> {
      const h = await createAppHarness(sectionSettings(options.settings));
      return {
        backend: 'local',
        registry: h.registry,
        metadata: h.metadata,
        objects: h.objects,
        clock: h.clock,
        prefix: options.settings?.prefix ?? defaultSettings.prefix,
        fetch: async (request) => h.app.fetch(request),
        unexpectedErrors: [],
        sendSigned: (url, init) => h.signed(url, init),
        putObject: (key, bytes, metadata = {}) => h.objects.put(key, bytes, metadata),
        close: () => h.close(),
      };
    },
    stop: async () => undefined,
  };
}
