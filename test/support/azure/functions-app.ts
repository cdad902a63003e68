/**
 * Drives the Azure handlers the way the Functions host would: constructed `HttpRequest`s and
 * `InvocationContext`s (the package's public test constructors), against Azurite.
 */
import { readFileSync } from 'node:fs';
import azureFunctions, { type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { AzureConfig } from '../../../functions/azure/config.js';
import { type AzureHandlers, createHandlers } from '../../../functions/azure/handlers.js';
import { type AzureRuntime, createAzureRuntime } from '../../../functions/azure/runtime.js';
import { storageAdapters } from '../../../functions/azure/storage-clients.js';
import { ALL_SCOPES } from '../../../shared/ports/auth.js';
import type { EventSink, RegistryEvent } from '../../../shared/ports/event-sink.js';
import type { Azurite } from './azurite.js';

const { HttpRequest, InvocationContext: Context } = azureFunctions;

export const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

/** An `X-MS-CLIENT-PRINCIPAL` value as App Service would send it for an Entra caller with these app roles. */
export function clientPrincipalHeader(objectId: string, roles: string[]): string {
  const claims = [
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: objectId },
    ...roles.map((val) => ({ typ: 'roles', val })),
  ];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', claims, name_typ: 'name', role_typ: 'roles' })).toString(
    'base64',
  );
}

export const ADMIN_ROLES = [...ALL_SCOPES];

export class RecordingSink implements EventSink {
  readonly events: RegistryEvent[] = [];
  async publish(events: RegistryEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

export interface FunctionsApp {
  runtime: AzureRuntime;
  handlers: AzureHandlers;
  sink: RecordingSink;
  call(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string>; principal?: string | null },
  ): Promise<{ status: number; headers: Headers; json: () => unknown; context: InvocationContext }>;
  context(functionName: string): InvocationContext;
}

export async function functionsApp(
  azurite: Azurite,
  options: {
    container: string;
    table: string;
    inlineHashMaxBytes?: number;
    multipartThresholdBytes?: number;
    /** Event Grid identities whose drop-ins may create models. */
    dropInPrincipals?: string[];
  },
): Promise<FunctionsApp> {
  const storage = { connectionString: azurite.connectionString, container: options.container, table: options.table };
  const adapters = storageAdapters(storage);
  await adapters.blobService.getContainerClient(options.container).createIfNotExists();
  await adapters.metadata.ensureTable();
  const config: AzureConfig = { storage, prefix: 'mreg/', trustClientPrincipal: true };
  if (options.inlineHashMaxBytes !== undefined) config.inlineHashMaxBytes = options.inlineHashMaxBytes;
  if (options.multipartThresholdBytes !== undefined) config.multipartThresholdBytes = options.multipartThresholdBytes;
  if (options.dropInPrincipals !== undefined) config.dropInPrincipals = options.dropInPrincipals;
  const sink = new RecordingSink();
  const runtime = createAzureRuntime(config, { events: sink });
  const handlers = createHandlers(runtime);
  const admin = clientPrincipalHeader('00000000-0000-0000-0000-0000000000a1', ADMIN_ROLES);
  const context = (functionName: string) => new Context({ functionName, logHandler: () => undefined });
  return {
    runtime,
    handlers,
    sink,
    context,
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { ...callOptions.headers };
      const principal = callOptions.principal === undefined ? admin : callOptions.principal;
      if (principal !== null) headers['x-ms-client-principal'] = principal;
      if (callOptions.body !== undefined) headers['content-type'] = 'application/json';
      const request = new HttpRequest({
        method,
        url: `https://mreg-test.azurewebsites.net${path}`,
        headers,
        ...(callOptions.body === undefined ? {} : { body: { string: JSON.stringify(callOptions.body) } }),
      });
      const ctx = context('api');
      const response: HttpResponseInit = await handlers.http(request, ctx);
      const body = response.body instanceof Uint8Array ? Buffer.from(response.body).toString('utf8') : '';
      return {
        status: response.status ?? 200,
        headers: new Headers(response.headers as HeadersInit),
        json: () => JSON.parse(body) as unknown,
        context: ctx,
      };
    },
  };
}
