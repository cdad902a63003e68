/** HMAC-signed, expiring URLs for the local object routes (the local stand-in for S3 presigning). */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignedOp = 'put' | 'part' | 'get';

export interface SignedFields {
  op: SignedOp;
  key: string;
  expires: number;
  size?: number;
  sha256?: string;
  uploadId?: string;
  partNumber?: number;
  filename?: string;
  contentType?: string;
}

const PARAMS: Array<[keyof SignedFields, string]> = [
  ['op', 'op'],
  ['expires', 'expires'],
  ['size', 'size'],
  ['sha256', 'sha256'],
  ['uploadId', 'uploadId'],
  ['partNumber', 'partNumber'],
  ['filename', 'filename'],
  ['contentType', 'contentType'],
];

export class UrlSigner {
  constructor(private readonly secret: Buffer) {}

  private signature(fields: SignedFields): string {
    const canonical = [fields.key, ...PARAMS.map(([f]) => String(fields[f] ?? ''))].join('\n');
    return createHmac('sha256', this.secret).update(canonical).digest('base64url');
  }

  /** The query string for these fields, signature included. */
  sign(fields: SignedFields): string {
    const query = new URLSearchParams();
    for (const [field, name] of PARAMS) {
      const value = fields[field];
      if (value !== undefined) query.set(name, String(value));
    }
    query.set('sig', this.signature(fields));
    return query.toString();
  }

  /** Reads and checks a signed query; undefined when tampered, foreign or expired. */
  verify(key: string, query: URLSearchParams, nowMs: number): SignedFields | undefined {
    const op = query.get('op');
    if (op !== 'put' && op !== 'part' && op !== 'get') return undefined;
    const fields: SignedFields = { op, key, expires: Number(query.get('expires')) };
    const num = (name: string) => (query.has(name) ? Number(query.get(name)) : undefined);
    const str = (name: string) => query.get(name) ?? undefined;
    const size = num('size');
    const partNumber = num('partNumber');
    const sha256 = str('sha256');
    const uploadId = str('uploadId');
    const filename = str('filename');
    const contentType = str('contentType');
    if (size !== undefined) fields.size = size;
    if (partNumber !== undefined) fields.partNumber = partNumber;
    if (sha256 !== undefined) fields.sha256 = sha256;
    if (uploadId !== undefined) fields.uploadId = uploadId;
    if (filename !== undefined) fields.filename = filename;
    if (contentType !== undefined) fields.contentType = contentType;
    const given = Buffer.from(query.get('sig') ?? '', 'utf8');
    const expected = Buffer.from(this.signature(fields), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (!Number.isFinite(fields.expires) || fields.expires * 1000 < nowMs) return undefined;
    return fields;
  }
}
