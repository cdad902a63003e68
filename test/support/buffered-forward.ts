/** For the test proxies on 127.0.0.1 (the fault proxy, the S3 checksum shim): a request forwarded whole, its answer read whole. */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';

/** `req` (its method, path and headers) addressed to `target`, with the target's own Host. */
export const requestTo = (target: URL, req: IncomingMessage): RequestOptions => ({
  host: target.hostname,
  port: target.port,
  method: req.method,
  path: req.url,
  headers: { ...req.headers, host: target.host },
});

export const readAll = async (stream: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

export interface Upstream {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** Sends `req` (its method, path and headers, with `body`) to `target`, and reads the whole answer. */
export function forward(target: URL, req: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const out = httpRequest(requestTo(target, req), (res) => {
      readAll(res).then(
        (buffer) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: buffer }),
        reject,
      );
    });
    out.on('error', reject);
    out.end(body);
  });
}
