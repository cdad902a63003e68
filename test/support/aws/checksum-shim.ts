/**
 * A test shim in front of s3rver, standing in for two checks of S3's that the registry's
 * production path relies on and s3rver lacks: full-object SHA-256 checksums, and the signature
 * of presigned URLs.
 *
 * It is a shim, not S3. What it does, and nothing else:
 * - a request authenticated by a SigV4 query string (a presigned URL: X-Amz-Algorithm,
 *   -Credential, -Date, -Expires, -SignedHeaders, -Signature) is checked as S3 checks it
 *   (presigned-url-check.ts: the signature recomputed with the SDK's signer and the test keys
 *   s3rver is given): a wrong signature gets 403 `SignatureDoesNotMatch`, an expired URL 403
 *   `AccessDenied` "Request has expired", in S3's XML error shape, and never reaches s3rver.
 *   Header-signed SDK calls pass through unchecked;
 * - a PUT of a whole object carrying `x-amz-checksum-sha256` is hashed here; bytes that do not
 *   match are refused with 400 `BadDigest`, as S3 refuses them, and never reach s3rver;
 * - the checksum of a PUT that s3rver stored is remembered with the etag s3rver answered;
 * - a HEAD or GET with `x-amz-checksum-mode: ENABLED` gets `x-amz-checksum-sha256` and
 *   `x-amz-checksum-type: FULL_OBJECT` when the object still has that etag (an overwrite
 *   without a checksum, or a delete, forgets it).
 * Every other request (parts, copies, listings) passes through untouched: those objects have
 * no checksum here, so the registry hashes them itself, as it does on s3rver alone.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forward, readAll } from '../buffered-forward.js';
import { checkPresignedUrl, type SigningKeys } from './presigned-url-check.js';
import { S3RVER_CREDENTIALS } from './servers.js';

export interface ChecksumShim {
  /** `http://127.0.0.1:<port>`: the endpoint to give the S3 client instead of s3rver's. */
  url: string;
  /** Counts of what the shim did, for tests that must show it was in the path. */
  stats: {
    verifiedPuts: number;
    badDigests: number;
    checksumsReported: number;
    /** Presigned requests whose signature checked out, and those refused (bad signature, expired). */
    presignedAccepted: number;
    presignedRefused: number;
  };
  close(): Promise<void>;
}

const bare = (etag: string | string[] | undefined) => String(etag ?? '').replace(/"/g, '');

/** S3's error body; a HEAD answer carries none. */
function sendS3Error(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` + `<Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(req.method === 'HEAD' ? undefined : xml);
}

/** `keys`: what presigned URLs must be signed with (the test clients' keys, s3rver's). */
export async function startChecksumShim(
  upstream: string,
  keys: SigningKeys = S3RVER_CREDENTIALS,
): Promise<ChecksumShim> {
  const target = new URL(upstream);
  /** path (bucket and key, as requested) -> the checksum and the etag it belongs to. */
  const checksums = new Map<string, { sha256: string; etag: string }>();
  const stats = { verifiedPuts: 0, badDigests: 0, checksumsReported: 0, presignedAccepted: 0, presignedRefused: 0 };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://shim');
    const objectPath = decodeURIComponent(url.pathname);
    const wholeObjectPut =
      req.method === 'PUT' &&
      !url.searchParams.has('uploadId') &&
      !url.searchParams.has('partNumber') &&
      req.headers['x-amz-copy-source'] === undefined;
    const body = await readAll(req);
    const refusal = await checkPresignedUrl(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
      keys,
    );
    if (refusal) {
      stats.presignedRefused++;
      sendS3Error(req, res, refusal.status, refusal.code, refusal.message);
      return;
    }
    if (url.searchParams.has('X-Amz-Signature')) stats.presignedAccepted++;
    const claimed = req.headers['x-amz-checksum-sha256'];
    if (wholeObjectPut && typeof claimed === 'string') {
      if (createHash('sha256').update(body).digest('base64') !== claimed) {
        stats.badDigests++;
        sendS3Error(req, res, 400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
        return;
      }
      stats.verifiedPuts++;
    }
    const upstreamReply = await forward(target, req, body);
    const headers = { ...upstreamReply.headers };
    delete headers.connection;
    const ok = upstreamReply.status >= 200 && upstreamReply.status < 300;
    if (wholeObjectPut && ok) {
      if (typeof claimed === 'string') {
        checksums.set(objectPath, { sha256: claimed, etag: bare(upstreamReply.headers.etag) });
        headers['x-amz-checksum-sha256'] = claimed;
      } else checksums.delete(objectPath);
    }
    if (req.method === 'DELETE' && ok) checksums.delete(objectPath);
    if ((req.method === 'HEAD' || req.method === 'GET') && ok && req.headers['x-amz-checksum-mode'] === 'ENABLED') {
      const known = checksums.get(objectPath);
      if (known && known.etag === bare(upstreamReply.headers.etag)) {
        headers['x-amz-checksum-sha256'] = known.sha256;
        headers['x-amz-checksum-type'] = 'FULL_OBJECT';
        stats.checksumsReported++;
      }
    }
    res.writeHead(upstreamReply.status, headers);
    res.end(req.method === 'HEAD' ? undefined : upstreamReply.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502, { 'content-length': '0' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
