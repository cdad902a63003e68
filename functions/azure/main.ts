/**
 * The Function App's entry (package.json `main`, built to CommonJS by build.ts): registers
 * the functions. The runtime is built on first use, so a bad setting fails the invocation
 * with its message instead of the host's start.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import azureFunctions from '@azure/functions';
import { directoryUiAssets, UI_DIRECTORY } from '../../ui/assets.js';
import { configFromEnv } from './config.js';
import { type AzureHandlers, createHandlers } from './handlers.js';
import { createAzureRuntime } from './runtime.js';
import { VERIFY_QUEUE, verifyQueueOutput } from './verification-outbox.js';

const { app } = azureFunctions;

/** build.ts writes the web UI beside this bundle. */
const ui = directoryUiAssets(join(dirname(fileURLToPath(import.meta.url)), UI_DIRECTORY));

let handlers: AzureHandlers | undefined;
const bound = (): AzureHandlers => {
  handlers ??= createHandlers(createAzureRuntime(configFromEnv(process.env)), { ui });
  return handlers;
};

app.http('api', {
  route: '{*path}',
  methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'],
  // App Service authentication (Entra ID) guards the app; the core checks scopes per route.
  authLevel: 'anonymous',
  extraOutputs: [verifyQueueOutput],
  handler: (request, context) => bound().http(request, context),
});

app.eventGrid('blobCreated', {
  extraOutputs: [verifyQueueOutput],
  handler: async (event, context) => {
    await bound().blobCreated(event, context);
  },
});

app.storageQueue('verify', {
  queueName: VERIFY_QUEUE,
  connection: 'AzureWebJobsStorage',
  extraOutputs: [verifyQueueOutput],
  handler: async (message, context) => {
    await bound().verify(message, context);
  },
});

app.timer('sweep', {
  schedule: '0 */10 * * * *',
  extraOutputs: [verifyQueueOutput],
  handler: async (timer, context) => {
    await bound().sweep(timer, context);
  },
});

app.timer('publishHistory', {
  schedule: '0 * * * * *',
  handler: async (timer, context) => {
    await bound().publishHistory(timer, context);
  },
});
