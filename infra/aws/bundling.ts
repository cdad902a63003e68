/**
 * The esbuild settings of every Lambda bundle, in one place: the stack (its functions' local
 * bundling), the bundle benchmark and the bundle tests build with exactly these.
 */
import { execFileSync, execSync } from 'node:child_process';
import { dirname, relative as relativePath, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { UI_DIRECTORY } from '../../ui/assets.js';

/** The repository root: entries (`functions/aws/<name>.ts`) and the lock file are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Lambda's env-only credential provider replaces the SDK's default chain (see the module). */
const CREDENTIALS_ALIAS = {
  '@aws-sdk/credential-provider-node': `${PROJECT_ROOT}functions/aws/lambda-credentials.ts`,
} as const;

export const LAMBDA_BUNDLE = {
  format: 'esm',
  minify: true,
  target: 'node22',
  mainFields: ['module', 'main'],
  alias: CREDENTIALS_ALIAS,
  // ESM bundles of CommonJS dependencies still call `require` for Node built-ins (every chunk is a module of its own).
  banner:
    "import { createRequire as __mregRequire } from 'node:module'; const require = __mregRequire(import.meta.url);",
  /**
   * Code behind a dynamic `import()` (the API's route groups and registry) goes into chunks that
   * the function loads on first use: a cold start parses the entry and what it imports statically.
   */
  splitting: true,
  /** Light `Headers`, `Request` and `Response` in place of Node's: a cold start never loads its Fetch API. */
  inject: [`${PROJECT_ROOT}functions/aws/lambda-fetch-globals.ts`],
} as const;

/**
 * The SDK's web `ChecksumStream` module, replaced by one that defines its class on first use:
 * loaded as it is, it makes every cold start load Node's web streams (functions/aws/web-checksum-stream.ts).
 */
const deferWebChecksumStream: Plugin = {
  name: 'mreg-defer-web-checksum-stream',
  setup(build) {
    build.onResolve({ filter: /(^|\/)ChecksumStream\.browser(\.js)?$/ }, (args) =>
      /[\\/]@smithy[\\/]core[\\/]/.test(args.importer)
        ? { path: `${PROJECT_ROOT}functions/aws/web-checksum-stream.ts` }
        : undefined,
    );
  },
};

/** Where a bundle's files go: `index.mjs` (the handler's module) and `chunks/` beside it. */
const OUTPUT_NAMES = {
  entryNames: 'index',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
} as const;

export function buildOptions(
  input: { entry: string } | { source: string; resolveDir: string },
  outdir: string,
  options: BundleOptions,
): BuildOptions {
  return {
    ...('entry' in input
      ? { entryPoints: [input.entry] }
      : { stdin: { contents: input.source, resolveDir: input.resolveDir, loader: 'ts' as const } }),
    bundle: true,
    platform: 'node',
    format: LAMBDA_BUNDLE.format,
    minify: LAMBDA_BUNDLE.minify,
    target: LAMBDA_BUNDLE.target,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    ...(options.credentialsAlias === false ? {} : { alias: { ...LAMBDA_BUNDLE.alias } }),
    ...(options.standIns === false ? {} : { inject: [...LAMBDA_BUNDLE.inject], plugins: [deferWebChecksumStream] }),
    splitting: LAMBDA_BUNDLE.splitting,
    ...OUTPUT_NAMES,
    outExtension: { ...OUTPUT_NAMES.outExtension },
    outdir,
    metafile: true,
    logLevel: 'silent',
  };
}

/** What the benchmark's bare bundles leave out. */
export interface BundleOptions {
  /** Lambda's env-only credential provider in place of the SDK's default chain. */
  credentialsAlias?: boolean;
  /**
   * What keeps a cold start from loading Node's fetch API and web streams: the light `Headers`,
   * `Request` and `Response`, and the SDK's web `ChecksumStream` defined on first use.
   */
  standIns?: boolean;
}

/** The files a bundle consists of, relative to its directory, with their sizes and static imports. */
export interface BundleFiles {
  [file: string]: { bytes: number; imports: string[]; dynamicImports: string[] };
}

/**
 * Builds one Lambda bundle with these settings, outside CDK: the bundle benchmark and the
 * bundle test run what the stack ships. `outfile` is the entry's `<dir>/index.mjs`; its chunks
 * go beside it. `credentialsAlias: false` keeps the SDK's default chain.
 */
export async function buildLambdaBundle(
  input: { entry: string } | { source: string; resolveDir: string },
  outfile: string,
  options: BundleOptions = {},
): Promise<BundleFiles> {
  if (!outfile.endsWith('/index.mjs')) throw new Error(`a bundle's entry is <dir>/index.mjs, not ${outfile}`);
  const outdir = dirname(outfile);
  const { metafile } = await build(buildOptions(input, outdir, options));
  const files: BundleFiles = {};
  // The metafile names outputs relative to the working directory esbuild ran in.
  const relative = (path: string) => relativePath(outdir, resolve(process.cwd(), path));
  for (const [path, output] of Object.entries(metafile?.outputs ?? {}))
    files[relative(path)] = {
      bytes: output.bytes,
      imports: output.imports.filter((i) => i.kind === 'import-statement' && !i.external).map((i) => relative(i.path)),
      dynamicImports: output.imports
        .filter((i) => i.kind === 'dynamic-import' && !i.external)
        .map((i) => relative(i.path)),
    };
  return files;
}

/**
 * The stack's bundling of one function, run by CDK on this machine (`ILocalBundling`, which is
 * synchronous): the entry and its chunks into the asset's directory, then the `after` commands
 * (the web UI's build beside the docs bundle) from the project root. esbuild runs plugins only
 * in its asynchronous API, so the build runs in a child process (bundle-function.ts).
 */
export function bundleFunctionSync(entry: string, outdir: string, after: string[] = []): void {
  execFileSync(process.execPath, ['--import', 'tsx', `${PROJECT_ROOT}infra/aws/bundle-function.ts`, entry, outdir], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
  });
  for (const command of after) execSync(command, { cwd: PROJECT_ROOT, stdio: 'inherit' });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/**
 * Shell commands that write the built web UI beside a bundle (`<outputDir>/ui`), where the
 * docs function reads it: the stack's bundling runs them after esbuild, from the project root.
 */
export function uiBuildCommands(outputDir: string): string[] {
  return [`npx --no-install tsx ui/build.ts ${shellQuote(`${outputDir}/${UI_DIRECTORY}`)}`];
}
