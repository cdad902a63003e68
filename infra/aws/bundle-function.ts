/** `tsx infra/aws/bundle-function.ts <entry> <outdir>`: one function's bundle, for the stack's synchronous bundling (bundling.ts). */
import { build } from 'esbuild';
import { buildOptions } from './bundling.js';

const [entry, outdir] = process.argv.slice(2);
if (!entry || !outdir) {
  console.error('usage: bundle-function.ts <entry> <outdir>');
  process.exit(2);
}
await build(buildOptions({ entry }, outdir, {}));
