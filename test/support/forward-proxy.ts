/**
 * A real HTTP forward proxy (the `proxy` package: absolute-form requests and CONNECT tunnels) on
 * 127.0.0.1, behind Basic credentials, that keeps a log of what it was asked to carry. The log is
 * served at `logUrl` (GET: a JSON array of "METHOD target" lines) so a client's own tests, in
 * another process, can tell what went through it.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createProxy } from 'proxy';
import { closeServer, listenOnLoopback } from './loopback-server.js';

export interface ForwardProxy {
  /** With its credentials: http://user:password@127.0.0.1:port */
  url: string;
  logUrl: string;
  /** Requests carried (or refused for want of credentials: marked "407"). */
  log: string[];
  stop(): Promise<void>;
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const user = 'mreg-test';
  const password = randomBytes(12).toString('base64url');
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const log: string[] = [];
  const proxy = createProxy(createServer());
  proxy.authenticate = (req) => {
    const ok = req.headers['proxy-authorization'] === expected;
    log.push(`${ok ? '' : '407 '}${req.method} ${req.url}`);
    return ok;
  };
  const logServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(log));
  });
  const [port, logPort] = await Promise.all([listenOnLoopback(proxy), listenOnLoopback(logServer)]);
  return {
    url: `http://${user}:${password}@127.0.0.1:${port}`,
    logUrl: `http://127.0.0.1:${logPort}/`,
    log,
    stop: async () => {
      await Promise.all([closeServer(proxy), closeServer(logServer)]);
    },
  };
}
