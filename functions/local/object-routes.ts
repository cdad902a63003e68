/** The local server's `/_objects/` routes: what the signed URLs of FileObjectStore point at. */
import type { Hono } from 'hono';
import { problemOf, problemResponse } from '../../shared/http/problem.js';
import { type FileObjectStore, PartTooLargeError } from './file-object-store.js';
import type { UrlSigner } from './url-signer.js';

const PREFIX = '/_objects/';

function keyOf(url: URL): string | undefined {
  try {
    return url.pathname.slice(PREFIX.length).split('/').map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
}

const denied = (detail: string) =>
  problemResponse({ type: 'urn:mreg:problem:signature', title: 'Signature rejected', status: 403, detail });
const bad = (detail: string, field = 'body') =>
  problemResponse({
    type: 'urn:mreg:problem:validation',
    title: 'Invalid request',
    status: 400,
    detail,
    errors: [{ field, message: detail }],
  });

const tooLarge = (maxBytes: number) =>
  problemResponse(
    problemOf('payload-too-large', `this part URL takes at most ${maxBytes} bytes`, [
      { field: 'body', message: 'larger than the part' },
    ]),
  );

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` -> an inclusive range within `size`, or null when unsatisfiable. */
function parseRange(header: string, size: number): { start: number; end: number } | null | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    start = Math.max(0, size - Number(b));
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start > end || start >= size) return null;
  return { start, end };
}

export function mountObjectRoutes(app: Hono, store: FileObjectStore, signer: UrlSigner): void {
  app.put(`${PREFIX}*`, async (c) => {
    const url = new URL(c.req.url);
    const key = keyOf(url);
    const fields = key === undefined ? undefined : signer.verify(key, url.searchParams, Date.now());
    if (!key || !fields || (fields.op !== 'put' && fields.op !== 'part')) return denied('invalid or expired signature');
    const body = c.req.raw.body ?? new Blob([]).stream();
    const length = c.req.header('content-length');
    if (fields.op === 'part') {
      // Older part URLs carry no size: the store's part limit applies to them.
      const maxBytes = fields.size ?? store.multipart.maxPartBytes;
      if (length !== undefined && Number(length) > maxBytes) return tooLarge(maxBytes);
      let part: { size: number; etag: string };
      try {
        part = await store.writePart(fields.uploadId ?? '', fields.partNumber ?? 0, body, maxBytes);
      } catch (e) {
        if (e instanceof PartTooLargeError) return tooLarge(e.maxBytes);
        // The upload was completed or aborted meanwhile: the signed URL outlived it.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT')
          return problemResponse({
            type: 'urn:mreg:problem:not-found',
            title: 'Not found',
            status: 404,
            detail: 'no such upload',
          });
        throw e;
      }
      return new Response(null, { status: 200, headers: { etag: `"${part.etag}"` } });
    }
    if (length !== undefined && fields.size !== undefined && Number(length) !== fields.size)
      return bad(`content-length ${length} differs from the signed size ${fields.size}`, 'content-length');
    const expected: { size?: number; sha256?: string; contentType?: string } = {};
    if (fields.size !== undefined) expected.size = fields.size;
    if (fields.sha256 !== undefined) expected.sha256 = fields.sha256;
    const contentType = c.req.header('content-type');
    if (contentType) expected.contentType = contentType;
    const result = await store.receive(key, body, expected);
    if (!result.ok) return bad(`upload rejected: ${result.reason}`);
    return new Response(null, { status: 200, headers: { etag: `"${result.etag}"` } });
  });

  app.get(`${PREFIX}*`, async (c) => {
    const url = new URL(c.req.url);
    const key = keyOf(url);
    const fields = key === undefined ? undefined : signer.verify(key, url.searchParams, Date.now());
    if (!key || !fields || fields.op !== 'get') return denied('invalid or expired signature');
    const info = await store.head(key);
    if (!info) return problemResponse({ type: 'urn:mreg:problem:not-found', title: 'Not found', status: 404 });
    const headers: Record<string, string> = {
      'accept-ranges': 'bytes',
      etag: `"${info.etag}"`,
      'content-type': 'application/octet-stream',
    };
    if (info.sha256) headers['x-checksum-sha256'] = info.sha256;
    if (fields.filename)
      headers['content-disposition'] = `attachment; filename*=UTF-8''${encodeURIComponent(fields.filename)}`;
    const rangeHeader = c.req.header('range');
    const range = rangeHeader ? parseRange(rangeHeader, info.size) : undefined;
    if (range === null)
      return new Response(null, { status: 416, headers: { 'content-range': `bytes */${info.size}` } });
    if (range) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${info.size}`;
      headers['content-length'] = String(range.end - range.start + 1);
      return new Response(await store.read(key, { range }), { status: 206, headers });
    }
    headers['content-length'] = String(info.size);
    return new Response(info.size === 0 ? null : await store.read(key), { status: 200, headers });
  });
}
