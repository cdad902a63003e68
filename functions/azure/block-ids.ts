/**
 * The large-file protocol on block blobs: an "upload id" names a set of uncommitted blocks,
 * and part N is the block whose id is base64(`<uploadId><N, 8 digits>`). Every id of one
 * blob has the same length, as Put Block List requires (24 bytes -> 32 base64 characters).
 */
import { randomBytes } from 'node:crypto';

const UPLOAD_ID = /^[A-Za-z0-9_-]{16}$/;
const PART_DIGITS = 8;

export const newUploadId = (): string => randomBytes(12).toString('base64url');

export function checkUploadId(uploadId: string): void {
  if (!UPLOAD_ID.test(uploadId)) throw new Error(`not an upload id of this store: ${JSON.stringify(uploadId)}`);
}

export function blockIdOf(uploadId: string, partNumber: number): string {
  checkUploadId(uploadId);
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber >= 10 ** PART_DIGITS)
    throw new Error(`part number out of range: ${partNumber}`);
  return Buffer.from(`${uploadId}${String(partNumber).padStart(PART_DIGITS, '0')}`, 'utf8').toString('base64');
}

/** The part number a block id stands for in this upload, or undefined for another upload's block. */
export function partNumberOf(uploadId: string, blockId: string): number | undefined {
  const raw = Buffer.from(blockId, 'base64').toString('utf8');
  if (!raw.startsWith(uploadId)) return undefined;
  const digits = raw.slice(uploadId.length);
  return /^\d{8}$/.test(digits) ? Number(digits) : undefined;
}
