/**
 * A request answered without its body being read (the 413 for a JSON body over the limit is
 * decided on Content-Length alone) leaves that body on the wire. Left there, the connection is
 * torn down under the client: Node's `fetch` loses the 413 ("other side closed") or its next
 * request on the same connection, and Python's urllib, which sends the whole body before it
 * reads, gets a broken pipe. So the local server reads such a body to its end and throws it
 * away before it answers (as HTTP/1.1 servers do, up to a bound): the connection stays in step
 * and serves the next request. A body past the bound is not read further, and the answer says
 * `Connection: close`, so the client opens a fresh connection instead of reusing a broken one.
 */

/** A body larger than this is not read to its end; the connection closes after the answer. */
export const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;
/** Nor is one that takes longer than this to arrive. */
export const MAX_DISCARD_MS = 10_000;

/** Reads and drops a stream's bytes, up to the bounds; true when it reached the end. */
async function discard(body: ReadableStream<Uint8Array>): Promise<boolean> {
  const reader = body.getReader();
  let read = 0;
  const deadline = Date.now() + MAX_DISCARD_MS;
  let timer: NodeJS.Timeout | undefined;
  // A client that stops sending must not hold the answer: each read waits at most until the deadline.
  const timeout = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), MAX_DISCARD_MS);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timeout]);
      if (next === 'late') {
        await reader.cancel().catch(() => undefined);
        return false;
      }
      const { done, value } = next;
      if (done) return true;
      read += value.byteLength;
      if (read > MAX_DISCARDED_BYTES || Date.now() > deadline) {
        await reader.cancel().catch(() => undefined);
        return false;
      }
    }
  } catch {
    // The client went away mid-body.
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Wraps a `fetch(Request) -> Response` app so that an answer that left the body unread drains it first. */
export function drainingUnreadBodies<E>(
  fetch: (request: Request, env: E) => Response | Promise<Response>,
): (request: Request, env: E) => Response | Promise<Response> {
  return (request, env) => {
    // The method first: reading `request.body` makes @hono/node-server build a full Request with
    // a body stream, which every request would pay for (GETs included).
    if (request.method === 'GET' || request.method === 'HEAD') return fetch(request, env);
    return drained(fetch, request, env);
  };
}

async function drained<E>(
  fetch: (request: Request, env: E) => Response | Promise<Response>,
  request: Request,
  env: E,
): Promise<Response> {
  const response = await fetch(request, env);
  if (request.bodyUsed || !request.body) return response;
  // A body declared past the bound is not read at all (a part URL refuses 96 MiB at once).
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (!(declared > MAX_DISCARDED_BYTES) && (await discard(request.body))) return response;
  const headers = new Headers(response.headers);
  headers.set('connection', 'close');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
