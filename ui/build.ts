/**
 * Builds the web UI (ui/src) with esbuild into static assets: one script and one stylesheet,
 * named by content hash so they can be cached for good. `buildUi()` answers them in memory
 * (the local server builds on first request); `tsx ui/build.ts <dir>` writes them and a
 * manifest (the AWS docs function and the Azure package ship that directory).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UiManifest } from '../shared/http/ui.js';
import { UI_MANIFEST_FILE } from './assets.js';

export interface BuiltUi {
  manifest: UiManifest;
  files: Map<string, Uint8Array<ArrayBuffer>>;
}

const ENTRY = fileURLToPath(new URL('./src/main.tsx', import.meta.url));

export async function buildUi(): Promise<BuiltUi> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    outdir: '/ui-out',
    entryNames: 'app-[hash]',
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  let script = '';
  let style = '';
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    files.set(name, new Uint8Array(file.contents));
    if (name.endsWith('.js')) script = name;
    if (name.endsWith('.css')) style = name;
  }
  if (!script || !style) throw new Error('the UI build produced no script or no stylesheet');
  return { manifest: { script, style }, files };
}

export async function writeUi(dir: string): Promise<BuiltUi> {
  const built = await buildUi();
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of built.files) await writeFile(join(dir, name), bytes);
  await writeFile(join(dir, UI_MANIFEST_FILE), JSON.stringify(built.manifest));
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: tsx ui/build.ts <output dir>');
    process.exit(2);
  }
  const built = await writeUi(dir);
  console.log(`${dir}: ${[...built.files.keys()].join(', ')}`);
}
