/**
 * Bundles the CLI (cli/main.ts and the packages it uses) into one minified ESM file with
 * esbuild, so `mreg` starts without compiling TypeScript on every run (tsx costs ~0.5 s).
 * The bin rebuilds it whenever a source (or package.json, or the lockfile) is newer;
 * `npm run build:cli` builds it ahead.
 */
import { renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI_DIR = fileURLToPath(new URL('.', import.meta.url));
export const BUNDLE = fileURLToPath(new URL('../dist/cli/mreg.mjs', import.meta.url));
export async function bundleCli(outfile = BUNDLE) {
  const { build } = await import('esbuild');
  // Several processes may build at once: each writes its own file, the last rename wins whole.
  const temp = `${outfile}.${process.pid}.tmp.mjs`;
  try {
    await build({
      entryPoints: [`${CLI_DIR}/main.ts`],
      outfile: temp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      legalComments: 'none',
      // Loaded from node_modules only when a proxy is set (cli/proxy.ts): not parsed on every start.
      external: ['undici'],
      logLevel: 'silent',
      // CommonJS packages inside an ESM bundle need a require for Node's built-ins.
      banner: {
        js: "import{createRequire as __mregCreateRequire}from'node:module';const require=__mregCreateRequire(import.meta.url);",
      },
    });
    renameSync(temp, outfile);
  } finally {
    rmSync(temp, { force: true });
  }
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await bundleCli());
