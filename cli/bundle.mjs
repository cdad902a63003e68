/**
 * Bundles the CLI (cli/main.ts and the packages it uses) into one minified ESM file with
 * esbuild, so `mreg` starts without compiling TypeScript on every run (tsx costs ~0.5 s).
 * The bin rebuilds it whenever a source is newer; `npm run build:cli` builds it ahead.
 */
import { readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI_DIR = fileURLToPath(new URL('.', import.meta.url));
export const BUNDLE = fileURLToPath(new URL('../dist/cli/mreg.mjs', import.meta.url));
/** Besides cli/ itself: the version comes from package.json, the packages from the lockfile. */
const ALSO = ['../package.json', '../package-lock.json'].map((p) => fileURLToPath(new URL(p, import.meta.url)));

function newestSource(dir = CLI_DIR) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|mjs)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when the bundle exists and no source is newer. */
export function bundleIsFresh() {
  try {
    const built = statSync(BUNDLE).mtimeMs;
    return newestSource() <= built && ALSO.every((p) => statSync(p, { throwIfNoEntry: false })?.mtimeMs <= built);
  } catch {
    return false;
  }
}

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
