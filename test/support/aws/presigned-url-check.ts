/**
 * S3's check of a SigV4 presigned URL (query-string authentication), for the checksum shim in
 * front of s3rver, which checks no signature. A test stand-in for S3's check, not S3: the
 * signature is recomputed with `@smithy/signature-v4` (the AWS SDK's own signer) from what the
 * request carries and the test credentials, and compared; an expired URL is refused. The error
 * codes and messages are S3's.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

export interface SigningKeys {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What S3 answers a presigned request it refuses. */
export interface QueryAuthRefusal {
  status: 400 | 403;
  code: string;
  message: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** S3's limit on X-Amz-Expires: seven days. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;
const REQUIRED = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
] as const;

const badQuery = (message: string): QueryAuthRefusal => ({
  status: 400,
  code: 'AuthorizationQueryParametersError',
  message,
});

/** `20240102T030405Z` as a Date, or undefined when it is not one. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Checks the query signature of a request, as S3 does. Returns undefined when the request is
 * not query-authenticated (no X-Amz-Signature or X-Amz-Algorithm: header-signed SDK calls pass
 * through) or when its signature checks out and it has not expired; otherwise S3's refusal.
 */
export async function checkPresignedUrl(
  req: { method: string; url: string; headers: IncomingHttpHeaders },
  keys: SigningKeys,
  now: Date = new Date(),
): Promise<QueryAuthRefusal | undefined> {
  const url = new URL(req.url, 'http://presigned');
  const params = url.searchParams;
  if (!params.has('X-Amz-Signature') && !params.has('X-Amz-Algorithm')) return undefined;
  const given = Object.fromEntries(REQUIRED.map((name) => [name, params.get(name) ?? ''])) as Record<
    (typeof REQUIRED)[number],
    string
  >;
  if (REQUIRED.some((name) => given[name] === ''))
    return badQuery(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  if (given['X-Amz-Algorithm'] !== ALGORITHM) return badQuery(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const [accessKeyId, shortDate, region, service, terminator, ...rest] = given['X-Amz-Credential'].split('/');
  if (!accessKeyId || !shortDate || !region || !service || terminator !== 'aws4_request' || rest.length > 0)
    return badQuery(`Error parsing the X-Amz-Credential parameter; the Credential is mal-formed.`);
  if (accessKeyId !== keys.accessKeyId)
    return {
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
    };
  const signedAt = parseAmzDate(given['X-Amz-Date']);
  if (!signedAt) return badQuery("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (!/^\d+$/.test(given['X-Amz-Expires']) || Number(given['X-Amz-Expires']) > MAX_EXPIRES_SECONDS)
    return badQuery(`X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_EXPIRES_SECONDS}`);
  const expiresIn = Number(given['X-Amz-Expires']);
  if (now.getTime() > signedAt.getTime() + expiresIn * 1000)
    return { status: 403, code: 'AccessDenied', message: 'Request has expired' };

  // The request as the client signed it: every query parameter but the signature, and the
  // headers it names as signed. S3 signs a presigned URL's path as sent (no second encoding),
  // and its payload as X-Amz-Content-Sha256 says, UNSIGNED-PAYLOAD when absent.
  const signedHeaders = given['X-Amz-SignedHeaders'].split(';');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of params) {
    if (name === 'X-Amz-Signature') continue;
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const payloadHeader = 'x-amz-content-sha256';
  if (!signedHeaders.includes(payloadHeader))
    headers[payloadHeader] = params.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  const signer = new SignatureV4({ credentials: keys, region, service, sha256: Sha256, uriEscapePath: false });
  const recomputed = await signer.presign(
    // The path exactly as sent: the URL parser would re-encode it.
    {
      method: req.method,
      protocol: 'http:',
      hostname: url.hostname,
      path: req.url.split('?')[0] ?? '/',
      query,
      headers,
    },
    {
      signingDate: signedAt,
      expiresIn,
      // Exactly the headers the client signed, each kept a header (never moved into the query).
      signableHeaders: new Set(signedHeaders),
      unhoistableHeaders: new Set([...signedHeaders, payloadHeader]),
      unsignableHeaders: new Set([payloadHeader]),
    },
  );
  // Any parameter the signer derives (the credential scope, the signed header list, the
  // signature) that differs from what was sent means the client signed something else.
  const derived = ['X-Amz-Credential', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;
  if (derived.some((name) => recomputed.query?.[name] !== given[name]) || shortDate !== given['X-Amz-Date'].slice(0, 8))
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message:
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    };
  return undefined;
}
