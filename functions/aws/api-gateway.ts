/**
 * API Gateway HTTP API (payload 2.0) <-> Fetch API. The event becomes a `Request` for the
 * core's app (the light one of `lambda-fetch.ts`, which the bundles use throughout); its
 * `Response` becomes the proxy result (binary bodies base64, cookies apart).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { heldText } from '../../shared/http/json-response.js';
import { LambdaHeaders, LambdaRequest } from './lambda-fetch.js';

/**
 * HTTP APIs hand `rawPath` over percent-decoded (REST APIs and function URLs do not). Escape
 * only what can never stand literally in an encoded path, so both forms yield a valid path
 * that the core decodes exactly once.
 */
export function encodedPath(rawPath: string): string {
  return rawPath.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu, (c) => encodeURIComponent(c));
}

/** The path without the stage's own segment (absent for the `$default` stage). */
function pathOf(event: APIGatewayProxyEventV2): string {
  const stage = event.requestContext.stage;
  const raw = event.rawPath || '/';
  if (stage && stage !== '$default' && (raw === `/${stage}` || raw.startsWith(`/${stage}/`)))
    return raw.slice(stage.length + 1) || '/';
  return raw;
}

export function requestOf(event: APIGatewayProxyEventV2): Request {
  const host = event.requestContext.domainName || 'localhost';
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const url = `https://${host}${encodedPath(pathOf(event))}${query}`;
  const headers = new LambdaHeaders();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
  if (event.cookies && event.cookies.length > 0) headers.set('cookie', event.cookies.join('; '));
  const method = event.requestContext.http.method.toUpperCase();
  const init: RequestInit = { method, headers };
  if (event.body !== undefined && event.body !== null && method !== 'GET' && method !== 'HEAD') {
    const body = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    init.body = body;
    // API Gateway hands the whole body over: its length is known, however the client sent it.
    headers.set('content-length', String(body.length));
    headers.delete('transfer-encoding');
  }
  return new LambdaRequest(url, init);
}

const TEXTUAL = /^(text\/|application\/([a-z0-9.+-]*\+)?(json|xml|javascript|yaml|x-www-form-urlencoded)\b)/i;

export async function resultOf(response: Response): Promise<APIGatewayProxyStructuredResultV2> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  const text = heldText(response);
  const bytes = text === undefined ? Buffer.from(await response.arrayBuffer()) : undefined;
  const textual = text !== undefined || TEXTUAL.test(response.headers.get('content-type') ?? '') || bytes?.length === 0;
  const result: APIGatewayProxyStructuredResultV2 = {
    statusCode: response.status,
    headers,
    body: text ?? (textual ? bytes?.toString('utf8') : bytes?.toString('base64')) ?? '',
    isBase64Encoded: !textual,
  };
  if (cookies.length > 0) result.cookies = cookies;
  return result;
}
