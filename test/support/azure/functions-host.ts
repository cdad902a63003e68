/**
 * A stand-in for the Functions host and App Service authentication (Core Tools cannot be
 * installed here): a loopback HTTP server that hands each request to the `api` handler as an
 * `HttpRequest`, drops the `X-MS-*` headers a caller sent and, for a caller with a bearer
 * token, adds `X-MS-CLIENT-PRINCIPAL` built from the token's claims, as Easy Auth does (the
 * function verifies the token itself), and delivers the verifier queue's messages to `verify`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import azureFunctions from '@azure/functions';
import { decodeJwt } from 'jose';
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

/** What Easy Auth puts in `X-MS-CLIENT-PRINCIPAL` for a bearer token: its claims, under the aad provider. */
function clientPrincipalOf(token: string): string | undefined {
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch {
    return undefined;
  }
  const list = Object.entries(claims).flatMap(([typ, val]) =>
    (Array.isArray(val) ? val : [val]).map((v) => ({
      typ: typ === 'oid' ? 'http://schemas.microsoft.com/identity/claims/objectidentifier' : typ,
      val: String(v),
    })),
  );
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: list, name_typ: 'name', role_typ: 'roles' })).toString(
    'base64',
  );
}

export async function startFunctionsHost(handlers: AzureHandlers): Promise<FunctionsHost> {
  const running = new Set<Promise<unknown>>();
  const context = (functionName: string) => new InvocationContext({ functionName, logHandler: () => undefined });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string' && !name.startsWith('x-ms-')) headers[name] = value;
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
      const principal = bearer === undefined ? undefined : clientPrincipalOf(bearer);
      if (principal !== undefined) headers['x-ms-client-principal'] = principal;
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
