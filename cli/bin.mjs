#!/usr/bin/env node
// `mreg`: runs the CLI from its esbuild bundle (dist/cli/mreg.mjs), building it first when a
// source is newer; through tsx only if the bundle cannot be built (e.g. a read-only checkout).
import { BUNDLE, bundleCli, bundleIsFresh } from './bundle.mjs';

let entry = BUNDLE;
if (!bundleIsFresh()) {
  try {
    await bundleCli();
  } catch {
    const { register } = await import('tsx/esm/api');
    register();
    entry = new URL('./main.ts', import.meta.url).pathname;
  }
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
