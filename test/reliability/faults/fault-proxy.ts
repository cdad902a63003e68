/**
 * A fault-injecting HTTP proxy on 127.0.0.1 between the SDK clients and a storage server.
 * Each request is buffered, then (per the plan) dropped, delayed, answered 500/503 without
 * reaching the server, forwarded with its response cut off mid-body, or forwarded with its
 * response replaced by a 503 (the write happened; the caller cannot know). Otherwise it is
 * transparent, down to a connection that fails when the server does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward, readAll, type Upstream } from '../../support/buffered-forward.js';
import type { FaultSource } from './fault-plan.js';

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: give this to the SDK client instead of the server's endpoint. */
  url: string;
  close(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function reply(res: ServerResponse, upstream: Upstream, cutMidBody: boolean, head: boolean): void {
  const headers = { ...upstream.headers };
  delete headers.connection;
  // A HEAD answer keeps the server's content-length (the size of the object, not of this empty body).
  if (!head) {
    delete headers['transfer-encoding'];
    headers['content-length'] = String(upstream.body.length);
  }
  res.writeHead(upstream.status, headers);
  if (!cutMidBody || upstream.body.length < 2) {
    if (cutMidBody) {
      res.flushHeaders();
      res.socket?.destroy();
      return;
    }
    res.end(upstream.body);
    return;
  }
  res.write(upstream.body.subarray(0, Math.floor(upstream.body.length / 2)), () => res.socket?.destroy());
}

async function handle(target: URL, plan: FaultSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readAll(req);
  const fault = plan.next({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
  if (fault === 'drop') {
    req.socket.destroy();
    return;
  }
  if (fault === 'status500' || fault === 'status503') {
    res.writeHead(fault === 'status500' ? 500 : 503, { 'content-length': '0', connection: 'close' });
    res.end();
    return;
  }
  if (fault === 'delay') await pause(plan.delayMs());
  const upstream = await forward(target, req, body);
  if (fault === 'lostResponse') {
    res.writeHead(503, { 'content-length': '0', connection: 'close' });
    res.end();
    return;
  }
  reply(res, upstream, fault === 'resetMidBody', req.method === 'HEAD');
}

export async function startFaultProxy(upstream: string, plan: FaultSource): Promise<FaultProxy> {
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    // The server behind it gone (killed, restarting): the caller's connection fails as it
    // would talking to the server itself, not with an answer the server never gave.
    handle(target, plan, req, res).catch(() => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
