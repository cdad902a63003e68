/** The web UI on the local server: built from ui/ in memory on first request (one per process), so it is never stale. */
import type { UiAssets } from '../../shared/http/ui.js';
import { memoryUiAssets } from '../../ui/assets.js';

let shared: UiAssets | undefined;

export function localUiAssets(): UiAssets {
  shared ??= memoryUiAssets(async () => (await import('../../ui/build.js')).buildUi());
  return shared;
}
