/**
 * s3rver in its own process, forked with `--openssl-legacy-provider` (its paged listing
 * encrypts continuation tokens with DES, which Node 20 refuses otherwise). Arguments: the
 * directory, the buckets (comma-separated), and a port (default: a free one). It reports its
 * port and forwards its object-created events to the parent over IPC.
 *
 * s3rver 3.7.1 lacks five things real S3 has and the registry relies on; a small middleware in
 * front of its router supplies them from s3rver's own file store, answering as S3 does:
 * ListParts, AbortMultipartUpload, UploadPartCopy, `If-Match` on GET/HEAD,
 * `x-amz-copy-source-if-match`.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import S3rver from 's3rver';

const [directory, bucketsArg, portArg] = process.argv.slice(2);
const buckets = (bucketsArg ?? '').split(',').filter(Boolean);

const bare = (etag) => String(etag ?? '').replace(/"/g, '');
const escapeXml = (s) => String(s).replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function xmlError(ctx, status, code, message) {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

/** `/bucket/some/key` (path style) -> bucket and decoded key. */
function bucketAndKey(path) {
  const [bucket, ...rest] = path.replace(/^\//, '').split('/');
  return { bucket: decodeURIComponent(bucket ?? ''), key: rest.map(decodeURIComponent).join('/') };
}

async function etagOf(store, bucket, key) {
  try {
    return bare((await store.getMetadata(bucket, key)).etag);
  } catch {
    return undefined;
  }
}

const server = new S3rver({
  address: '127.0.0.1',
  // A restart after a crash comes back on the port it had.
  port: Number(portArg ?? 0),
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});

server.middleware.unshift(async (ctx, next) => {
  const { bucket, key } = bucketAndKey(ctx.path);
  const uploadId = ctx.query.uploadId;
  if (key && typeof uploadId === 'string' && (ctx.method === 'GET' || ctx.method === 'DELETE')) {
    if (!/^[0-9a-f]+$/.test(uploadId))
      return xmlError(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    const dir = join(server.store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    const owner = await readFile(join(dir, 'key'), 'utf8').catch(() => undefined);
    if (owner !== key) return xmlError(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    if (ctx.method === 'DELETE') {
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    const parts = [];
    for (const name of await readdir(dir)) {
      if (!/^[0-9]+$/.test(name)) continue;
      const info = await stat(join(dir, name));
      const md5 = await readFile(join(dir, `${name}.md5`), 'utf8').catch(() => '');
      parts.push({ number: Number(name), size: info.size, etag: md5, modified: info.mtime.toISOString() });
    }
    parts.sort((a, b) => a.number - b.number);
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts
      .map(
        (p) =>
          `<Part><PartNumber>${p.number}</PartNumber><LastModified>${p.modified}</LastModified><ETag>"${p.etag}"</ETag><Size>${p.size}</Size></Part>`,
      )
      .join('')}</ListPartsResult>`;
    return;
  }
  const ifMatch = ctx.get('if-match');
  if (key && ifMatch && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
    const etag = await etagOf(server.store, bucket, key);
    if (etag !== undefined && etag !== bare(ifMatch))
      return xmlError(ctx, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  const copyIfMatch = ctx.get('x-amz-copy-source-if-match');
  const copySource = ctx.get('x-amz-copy-source');
  if (ctx.method === 'PUT' && copySource && copyIfMatch) {
    const source = bucketAndKey(`/${copySource.replace(/^\//, '').split('?')[0]}`);
    const etag = await etagOf(server.store, source.bucket, source.key);
    if (etag !== undefined && etag !== bare(copyIfMatch))
      return xmlError(ctx, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  if (ctx.method === 'PUT' && copySource && key && typeof uploadId === 'string') {
    // UploadPartCopy: a byte range of the source object becomes one part.
    const source = bucketAndKey(`/${copySource.replace(/^\//, '').split('?')[0]}`);
    const range = /^bytes=(\d+)-(\d+)$/.exec(ctx.get('x-amz-copy-source-range') ?? '');
    const object = await server.store.getObject(
      source.bucket,
      source.key,
      range ? { start: Number(range[1]), end: Number(range[2]) } : {},
    );
    if (!object) return xmlError(ctx, 404, 'NoSuchKey', 'The specified key does not exist.');
    const { md5 } = await server.store.putPart(bucket, uploadId, Number(ctx.query.partNumber), object.content);
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<CopyPartResult><LastModified>${new Date().toISOString()}</LastModified><ETag>"${md5}"</ETag></CopyPartResult>`;
    return;
  }
  return next();
});

server.on('event', (event) => process.send?.({ type: 'event', event }));

// s3rver writes objects in place: a PUT racing a DELETE of the same key can fail its file
// stream outside any request handler. Real S3 answers such a race per request; the test
// server must not die of it, so the stray error is reported and the server carries on.
process.on('uncaughtException', (error) => {
  process.stderr.write(`s3rver: ${error?.message ?? error}\n`);
});

const address = await server.run();
process.send?.({ type: 'ready', port: address.port });
process.on('message', async (message) => {
  if (message?.type === 'close') {
    await server.close();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
