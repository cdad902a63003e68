/**
 * The esbuild settings of every Lambda bundle, in one place: the stack (through
 * NodejsFunction) and the bundle benchmark and bundle tests build with exactly these.
 */
import { fileURLToPath } from 'node:url';
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
  // ESM bundles of CommonJS dependencies still call `require` for Node built-ins.
  banner:
    "import { createRequire as __mregRequire } from 'node:module'; const require = __mregRequire(import.meta.url);",
} as const;

/** The same aliases as esbuild command-line arguments, for NodejsFunction's `esbuildArgs`. */
export const aliasArgs = (): Record<string, string> =>
  Object.fromEntries(Object.entries(LAMBDA_BUNDLE.alias).map(([from, to]) => [`--alias:${from}`, to]));

/**
 * Builds one Lambda bundle with these settings, outside CDK: the bundle benchmark and the
 * bundle test run what the stack ships. `credentialsAlias: false` keeps the SDK's default chain.
 */
export async function buildLambdaBundle(
  input: { entry: string } | { source: string; resolveDir: string },
  outfile: string,
  options: { credentialsAlias?: boolean } = {},
): Promise<void> {
  const { build } = await import('esbuild');
  await build({
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
    outfile,
    logLevel: 'silent',
  });
}

/**
 * Shell commands that write the built web UI beside a bundle (`<outputDir>/ui`), where the
 * docs function reads it: NodejsFunction runs them after esbuild, from the project root.
 */
export function uiBuildCommands(outputDir: string): string[] {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  return [`npx --no-install tsx ui/build.ts ${quote(`${outputDir}/${UI_DIRECTORY}`)}`];
}
