/**
 * `npm run build:azure`: bundles the Function App entry to CommonJS (`@azure/functions` is
 * CommonJS) at dist/azure/main.cjs, which package.json `main` names, so the repository root
 * is the Function App. `@azure/functions-core` is provided by the Functions host at run time.
 */
import { dirname, join } from 'node:path';
import { UI_DIRECTORY } from '../../ui/assets.js';

export const AZURE_ENTRY_OUTFILE = 'dist/azure/main.cjs';

export async function buildAzure(outfile = AZURE_ENTRY_OUTFILE): Promise<{ bytes: number }> {
  const { build } = await import('esbuild');
  const { writeUi } = await import('../../ui/build.js');
  // The web UI's assets beside the bundle, where main.ts serves them from.
  await writeUi(join(dirname(outfile), UI_DIRECTORY));
  const result = await build({
    entryPoints: ['functions/azure/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    metafile: true,
    external: ['@azure/functions-core'],
    // Some SDK packages resolve to their ESM builds and read `import.meta.url`; give CommonJS its value.
    define: { 'import.meta.url': '__mregImportMetaUrl' },
    banner: { js: "const __mregImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
  const output = result.metafile.outputs[outfile];
  return { bytes: output?.bytes ?? 0 };
}

if (process.argv[1]?.endsWith('build.ts')) {
  const { bytes } = await buildAzure();
  console.log(`${AZURE_ENTRY_OUTFILE}: ${(bytes / 1024).toFixed(0)} KiB`);
}
