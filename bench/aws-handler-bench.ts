/**
 * What the AWS handler benchmarks share: the `api` handler's factory bundled as the stack
 * bundles it (infra/aws/bundling.ts), and a count of the requests an SDK client sends.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type * as ApiHandlerModule from '../functions/aws/handlers/api-handler.js';
import { buildLambdaBundle, PROJECT_ROOT } from '../infra/aws/bundling.js';

/** `createApiHandler` from a bundle built into `dir`, with the stack's esbuild settings. */
export async function bundledCreateApiHandler(dir: string): Promise<typeof ApiHandlerModule.createApiHandler> {
  const bundled = join(dir, 'index.mjs');
  await buildLambdaBundle({ entry: join(PROJECT_ROOT, 'functions/aws/handlers/api-handler.ts') }, bundled);
  return ((await import(pathToFileURL(bundled).href)) as typeof ApiHandlerModule).createApiHandler;
}

/** Counts every request `client` sends from now on; the returned function reads the count. */
export function countRequests(client: DynamoDBClient): () => number {
  let count = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      count++;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return () => count;
}
