/**
 * Drives the Azure handlers the way the Functions host would: constructed `HttpRequest`s and
 * `InvocationContext`s (the package's public test constructors), against Azurite, with callers
 * holding access tokens of a stand-in Entra tenant (its keys served on 127.0.0.1).
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
import { type EntraCaller, type EntraIssuer, startEntraIssuer } from './entra-issuer.js';

const { HttpRequest, InvocationContext: Context } = azureFunctions;

export const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

/** The default caller: an app with every registry role. */
export const ADMIN_CALLER: EntraCaller = { oid: '00000000-0000-0000-0000-0000000000a1', roles: [...ALL_SCOPES] };

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
  entra: EntraIssuer;
  /** A bearer token of the stand-in tenant for this caller. */
  token(caller?: EntraCaller): Promise<string>;
  call(
    method: string,
    path: string,
    /** `as`: the caller whose bearer token is sent (default ADMIN_CALLER); null sends none. */
    options?: { body?: unknown; headers?: Record<string, string>; as?: EntraCaller | null },
  ): Promise<{ status: number; headers: Headers; json: () => unknown; context: InvocationContext }>;
  context(functionName: string): InvocationContext;
  close(): Promise<void>;
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
  const entra = await startEntraIssuer();
  const config: AzureConfig = { storage, prefix: 'mreg/', jwt: entra.settings };
  if (options.inlineHashMaxBytes !== undefined) config.inlineHashMaxBytes = options.inlineHashMaxBytes;
  if (options.multipartThresholdBytes !== undefined) config.multipartThresholdBytes = options.multipartThresholdBytes;
  if (options.dropInPrincipals !== undefined) config.dropInPrincipals = options.dropInPrincipals;
  const sink = new RecordingSink();
  const runtime = createAzureRuntime(config, { events: sink });
  const handlers = createHandlers(runtime);
  const context = (functionName: string) => new Context({ functionName, logHandler: () => undefined });
  const token = (caller: EntraCaller = ADMIN_CALLER) => entra.token(caller);
  return {
    runtime,
    handlers,
    sink,
    entra,
    token,
    context,
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { ...callOptions.headers };
      const caller = callOptions.as === undefined ? ADMIN_CALLER : callOptions.as;
      if (caller !== null) headers.authorization = `Bearer ${await token(caller)}`;
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
    close: () => entra.close(),
  };
}
