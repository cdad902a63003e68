#!/usr/bin/env node
// `mreg`: runs the CLI from its esbuild bundle (dist/cli/mreg.mjs), rebuilding it first when a
// source is newer (bundle.mjs); through tsx only if it cannot be built (e.g. a read-only
// checkout). The freshness check is inline: loading bundle.mjs on every start would cost more.
import { readdirSync, statSync } from 'node:fs';

const bundle = new URL('../dist/cli/mreg.mjs', import.meta.url);

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const child = new URL(entry.isDirectory() ? `${entry.name}/` : entry.name, dir);
    if (entry.isDirectory()) latest = Math.max(latest, newest(child));
    else if (/\.(ts|mjs)$/.test(entry.name)) latest = Math.max(latest, statSync(child).mtimeMs);
  }
  return latest;
}

function fresh() {
  const built = statSync(bundle, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return false;
  const inputs = ['../package.json', '../package-lock.json'].map((p) => statSync(new URL(p, import.meta.url)).mtimeMs);
  return Math.max(newest(new URL('./', import.meta.url)), ...inputs) <= built;
}

let entry = bundle.href;
if (!fresh()) {
  try {
    await (await import('./bundle.mjs')).bundleCli();
  } catch {
    const { register } = await import('tsx/esm/api');
    register();
    entry = new URL('./main.ts', import.meta.url).href;
  }
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
