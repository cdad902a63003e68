/**
 * The built UI as a server holds it (shared/http/ui.ts serves it): from a directory written by
 * `ui/build.ts` (the AWS docs function and the Azure package ship one), or built in memory on
 * first request (the local server, which runs from the sources). No esbuild import here, so a
 * function bundle that reads a directory does not carry the bundler.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UiAssets, UiManifest } from '../shared/http/ui.js';

export const UI_MANIFEST_FILE = 'manifest.json';
/** Where a function package keeps the built UI: this folder beside its bundle. */
export const UI_DIRECTORY = 'ui';

export function directoryUiAssets(dir: string): UiAssets {
  let manifest: Promise<UiManifest> | undefined;
  const cache = new Map<string, Promise<Uint8Array<ArrayBuffer> | undefined>>();
  return {
    manifest: () => {
      manifest ??= readFile(join(dir, UI_MANIFEST_FILE), 'utf8').then((text) => JSON.parse(text) as UiManifest);
      return manifest;
    },
    file: (name) => {
      let bytes = cache.get(name);
      if (!bytes) {
        bytes = readFile(join(dir, name)).then(
          (b) => new Uint8Array(b),
          () => undefined,
        );
        cache.set(name, bytes);
      }
      return bytes;
    },
  };
}

/** Builds once, on first use; a failed build is tried again on the next request. */
export function memoryUiAssets(
  build: () => Promise<{ manifest: UiManifest; files: Map<string, Uint8Array<ArrayBuffer>> }>,
): UiAssets {
  let built: ReturnType<typeof build> | undefined;
  const get = () => {
    built ??= build().catch((e: unknown) => {
      built = undefined;
      throw e;
    });
    return built;
  };
  return {
    manifest: async () => (await get()).manifest,
    file: async (name) => (await get()).files.get(name),
  };
}
