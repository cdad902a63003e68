/**
 * How this registry signs people in, as the server wrote it into the page (a `<meta>` tag,
 * so no inline script and no extra request before the first rows).
 */
import type { UiConfig } from '../../shared/http/ui-config.js';

export type { AuthConfig, UiConfig } from '../../shared/http/ui-config.js';

export function readConfig(doc: Document = document): UiConfig {
  const raw = doc.querySelector('meta[name="mreg-config"]')?.getAttribute('content');
  if (raw) {
    try {
      return JSON.parse(raw) as UiConfig;
    } catch {
      // A page without a readable config still works where no sign-in is needed.
    }
  }
  return { runtime: 'local', auth: { kind: 'token' } };
}
