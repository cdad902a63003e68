/**
 * How a registry item is laid out in DynamoDB. Each top-level field of `data` is its own
 * attribute `d.<field>`: safe integers as numbers (so `increment` can use `ADD`), everything
 * else as a JSON string (JSON survives any key or number, a native map does not: empty map
 * keys and numbers beyond 1e125 are rejected). Shared by the store and the stream publisher.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Item, ItemData } from '../../shared/ports/metadata-store.js';

export const FIELD_PREFIX = 'd.';
/** Days a row carrying `expiresAt` outlives it before DynamoDB TTL removes it: a backstop to the sweeper. */
const TTL_GRACE_SECONDS = 7 * 86400;

export type DynamoRecord = Record<string, AttributeValue>;

export const fieldAttribute = (field: string): string => `${FIELD_PREFIX}${field}`;

export function encodeField(value: unknown): AttributeValue {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return { N: String(value) };
  return { S: JSON.stringify(value ?? null) };
}

export function encodeItem(pk: string, sk: string, data: ItemData, etag: string): DynamoRecord {
  const record: DynamoRecord = { pk: { S: pk }, sk: { S: sk }, etag: { S: etag } };
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined) continue;
    record[fieldAttribute(field)] = encodeField(value);
  }
  const expiresAt = typeof data.expiresAt === 'string' ? Date.parse(data.expiresAt) : Number.NaN;
  if (Number.isFinite(expiresAt)) record.ttl = { N: String(Math.floor(expiresAt / 1000) + TTL_GRACE_SECONDS) };
  return record;
}

export function decodeItem<T extends ItemData>(record: DynamoRecord): Item<T> {
  const data: ItemData = {};
  for (const [name, value] of Object.entries(record)) {
    if (!name.startsWith(FIELD_PREFIX)) continue;
    const field = name.slice(FIELD_PREFIX.length);
    if (value.N !== undefined) data[field] = Number(value.N);
    else if (value.S !== undefined) data[field] = JSON.parse(value.S) as unknown;
  }
  return {
    pk: record.pk?.S ?? '',
    sk: record.sk?.S ?? '',
    etag: record.etag?.S ?? '',
    data: data as T,
  };
}
