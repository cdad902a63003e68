/**
 * The esbuild settings of every Lambda bundle, in one place: the stack (through
 * NodejsFunction) and the bundle benchmark build with exactly these.
 */
export const LAMBDA_BUNDLE = {
  format: 'esm',
  minify: true,
  target: 'node22',
  mainFields: ['module', 'main'],
  // ESM bundles of CommonJS dependencies still call `require` for Node built-ins.
  banner:
    "import { createRequire as __mregRequire } from 'node:module'; const require = __mregRequire(import.meta.url);",
} as const;
