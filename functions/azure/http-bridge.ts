/** Between the Functions v4 HTTP types and the fetch `Request`/`Response` the core's Hono app speaks. */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';

export async function toFetchRequest(request: HttpRequest): Promise<Request> {
  const method = request.method.toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const body = hasBody ? new Uint8Array(await request.arrayBuffer()) : undefined;
  return new Request(request.url, {
    method,
    headers: request.headers,
    ...(body && body.byteLength > 0 ? { body } : {}),
  });
}

export async function toHttpResponse(response: Response): Promise<HttpResponseInit> {
  const body = response.body === null ? undefined : new Uint8Array(await response.arrayBuffer());
  return {
    status: response.status,
    headers: response.headers,
    ...(body && body.byteLength > 0 ? { body } : {}),
  };
}
