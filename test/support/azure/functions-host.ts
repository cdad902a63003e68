/**
 * A stand-in for the Functions host and App Service authentication (Core Tools cannot be
 * installed here): a loopback HTTP server that hands each request to the `api` handler as an
 * `HttpRequest`, adds `X-MS-CLIENT-PRINCIPAL` for callers with a bearer token (as Easy Auth
 * would after validating it), and delivers the verifier queue's messages to `verify`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import azureFunctions from '@azure/functions';
import type { AzureHandlers } from '../../../functions/azure/handlers.js';
import { verifyQueueOutput } from '../../../functions/azure/verification-outbox.js';

const { HttpRequest, InvocationContext } = azureFunctions;

export interface FunctionsHost {
  url: string;
  /** Verifications still running (the host's queue trigger). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startFunctionsHost(handlers: AzureHandlers, principalHeader: string): Promise<FunctionsHost> {
  const running = new Set<Promise<unknown>>();
  const context = (functionName: string) => new InvocationContext({ functionName, logHandler: () => undefined });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string' && name !== 'x-ms-client-principal') headers[name] = value;
      if (/^Bearer\s/i.test(headers.authorization ?? '')) headers['x-ms-client-principal'] = principalHeader;
      const body = await bodyOf(req);
      const request = new HttpRequest({
        method: req.method ?? 'GET',
        url: `http://${req.headers.host}${req.url ?? '/'}`,
        headers,
        ...(body.byteLength > 0 ? { body: { bytes: body } } : {}),
      });
      const ctx = context('api');
      const response = await handlers.http(request, ctx);
      const queued = ctx.extraOutputs.get(verifyQueueOutput);
      if (Array.isArray(queued))
        for (const message of queued) {
          const job = handlers.verify(JSON.stringify(message), context('verify')).catch(() => undefined);
          running.add(job);
          void job.finally(() => running.delete(job));
        }
      res.writeHead(response.status ?? 200, Object.fromEntries(new Headers(response.headers as HeadersInit)));
      res.end(response.body instanceof Uint8Array ? response.body : undefined);
    })().catch((e: unknown) => {
      res.writeHead(500).end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    idle: async () => {
      await Promise.all(running);
    },
    close: async () => {
      await Promise.all(running);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
