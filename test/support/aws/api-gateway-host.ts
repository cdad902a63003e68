/**
 * A stand-in for API Gateway's HTTP API in front of the Lambda handlers, so an HTTP client
 * (the CLI) can talk to the AWS build on s3rver + DynamoDB Local: each request becomes a
 * payload 2.0 event shaped like the published fixture (path handed over percent-decoded, as
 * HTTP APIs do), a bearer token becomes the JWT authorizer's claims (unknown or missing: 401
 * `{"message":"Unauthorized"}` before any Lambda runs, as the authorizer answers), and the
 * proxy result goes back as the HTTP answer. A commit answered 202 invokes the verifier with
 * `{model, version}` (what the table stream's VERIFY# row triggers in the cloud), again while the
 * version stays PENDING (a slice that ran out of time queued the rest); s3rver's
 * object-created events reach the object-created handler as SQS messages, redelivered on
 * failure.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiHandler } from '../../../functions/aws/handlers/api-handler.js';
import type { ObjectCreatedHandler } from '../../../functions/aws/handlers/object-created-handler.js';
import type { VerifierHandler } from '../../../functions/aws/handlers/verifier-handler.js';
import { apiEvent, asAwsNotification, lambdaContext, sqsEvent } from './events.js';
import type { S3rverHandle } from './servers.js';

export interface ApiGatewayHost {
  url: string;
  /** Background work (verifications, event deliveries) still running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** The verifier function's timeout in the stack (infra/aws/registry-stack.ts). */
const VERIFIER_TIMEOUT_MS = 15 * 60_000;
const VERIFIER_CLAIMS = { sub: 'mreg-verifier', scope: 'registry.read' };

/** Routes API Gateway serves without the authorizer. */
const PUBLIC = new Set(['/healthz']);

async function bodyOf(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8');
}

export async function startApiGatewayHost(options: {
  api: ApiHandler;
  verifier: VerifierHandler;
  objectCreated: ObjectCreatedHandler;
  s3: S3rverHandle;
  /** Bearer tokens and the claims the JWT authorizer would pass on for them. */
  tokens: Record<string, Record<string, string>>;
}): Promise<ApiGatewayHost> {
  const running = new Set<Promise<unknown>>();
  const track = (job: Promise<unknown>) => {
    const settled = job.catch(() => undefined);
    running.add(settled);
    void settled.finally(() => running.delete(settled));
  };
  const unsubscribe = options.s3.onEvent((event) => {
    const body = JSON.stringify(asAwsNotification(event));
    track(
      (async () => {
        for (let attempt = 1; attempt <= 3; attempt++) {
          const result = await options.objectCreated(sqsEvent([body]), lambdaContext('mreg-object-created'));
          if (result?.batchItemFailures.length === 0) return;
          await new Promise((r) => setTimeout(r, 200));
        }
      })(),
    );
  });

  /**
   * The verifier as the stack runs it (a 15-minute timeout), invoked again while the version is
   * PENDING: a slice that ran out of time queued the rest, which the table stream would deliver.
   */
  const verify = async (model: string, version: number) => {
    for (let slice = 0; slice < 100; slice++) {
      const deadline = Date.now() + VERIFIER_TIMEOUT_MS;
      await options.verifier(
        { model, version },
        { ...lambdaContext('mreg-verifier'), getRemainingTimeInMillis: () => deadline - Date.now() },
      );
      const read = await options.api(
        apiEvent({ method: 'GET', path: `/v1/models/${model}/versions/${version}`, claims: VERIFIER_CLAIMS }),
      );
      if ((JSON.parse(read.body ?? '{}') as { state?: string }).state !== 'PENDING') return;
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
      const token = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
      const claims = token === undefined ? undefined : options.tokens[token];
      if (!PUBLIC.has(url.pathname) && !claims) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
        res.end(JSON.stringify({ message: 'Unauthorized' }));
        return;
      }
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        path = url.pathname;
      }
      const body = await bodyOf(req);
      const result = await options.api(
        apiEvent({
          method: req.method ?? 'GET',
          path,
          query: url.search.slice(1),
          headers,
          ...(body !== undefined ? { body } : {}),
          ...(claims ? { claims } : {}),
        }),
        lambdaContext('mreg-api'),
      );
      const status = result.statusCode ?? 200;
      if (req.method === 'POST' && /\/commit$/.test(url.pathname) && status === 202) {
        const version = JSON.parse(result.body ?? '{}') as { model?: string; version?: number };
        if (version.model && version.version) track(verify(version.model, version.version));
      }
      res.writeHead(status, { ...(result.headers as Record<string, string>) });
      res.end(
        result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
      );
    })().catch((error: unknown) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `host: ${String(error)}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    idle: async () => {
      while (running.size > 0) await Promise.all(running);
    },
    close: async () => {
      unsubscribe();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      while (running.size > 0) await Promise.all(running);
    },
  };
}
