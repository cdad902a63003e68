/**
 * HTTPS in front of a local registry, for clients that must reach it over TLS (through a proxy's
 * CONNECT tunnel, say): a certificate for `localhost` made by openssl for this run, and every
 * request passed on to the registry as it came, with the registry's own Host (it answers only to
 * its loopback names and port).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requestTo } from './buffered-forward.js';
import { closeServer, listenOnLoopback } from './loopback-server.js';

export interface TlsFront {
  /** https://localhost:port */
  url: string;
  /** The certificate (PEM file) a client must trust. */
  caFile: string;
  stop(): Promise<void>;
}

export async function startTlsFront(target: string): Promise<TlsFront> {
  const dir = await mkdtemp(join(tmpdir(), 'mreg-tls-'));
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    caFile,
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  ]);
  const upstream = new URL(target);
  const server = createServer({ key: await readFile(keyFile), cert: await readFile(caFile) }, (req, res) => {
    const forwarded = httpRequest(requestTo(upstream, req), (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  const port = await listenOnLoopback(server);
  return {
    url: `https://localhost:${port}`,
    caFile,
    stop: async () => {
      await closeServer(server);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
