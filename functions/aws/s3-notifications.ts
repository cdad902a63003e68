/**
 * Object-created notifications in the three shapes S3 delivers them: S3 `Records` (direct,
 * or as an SQS message body, possibly an SNS envelope) and EventBridge `Object Created`.
 * Keys arrive URL-encoded with `+` for a space; here they become the object's real key.
 */
import type { EventBridgeEvent, S3Event, S3EventRecord } from 'aws-lambda';
import type { ObjectCreatedEvent } from '../../shared/service/object-created.js';

/** S3 form-encodes keys: `+` is a space, then percent escapes. */
export function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

export interface S3ObjectCreatedDetail {
  bucket: { name: string };
  object: { key: string; size?: number; etag?: string; 'version-id'?: string; sequencer?: string };
  requester?: string;
  reason?: string;
}

export type S3ObjectCreatedBridgeEvent = EventBridgeEvent<'Object Created', S3ObjectCreatedDetail>;

export interface BucketObjectEvent {
  bucket: string;
  event: ObjectCreatedEvent;
}

export function fromS3Record(record: S3EventRecord): BucketObjectEvent | undefined {
  if (!record.eventName?.startsWith('ObjectCreated:')) return undefined;
  const object = record.s3.object;
  const event: ObjectCreatedEvent = {
    key: decodeS3Key(object.key),
    size: object.size ?? 0,
    etag: (object.eTag ?? '').replace(/"/g, ''),
  };
  if (object.versionId) event.versionId = object.versionId;
  if (object.sequencer) event.sequencer = object.sequencer;
  const creator = record.userIdentity?.principalId;
  if (creator) event.creator = creator;
  return { bucket: record.s3.bucket.name, event };
}

export function fromEventBridge(event: S3ObjectCreatedBridgeEvent): BucketObjectEvent | undefined {
  if (event.source !== 'aws.s3' || event['detail-type'] !== 'Object Created') return undefined;
  const object = event.detail.object;
  const out: ObjectCreatedEvent = {
    key: decodeS3Key(object.key),
    size: object.size ?? 0,
    etag: (object.etag ?? '').replace(/"/g, ''),
  };
  if (object['version-id']) out.versionId = object['version-id'];
  if (object.sequencer) out.sequencer = object.sequencer;
  if (event.detail.requester) out.creator = event.detail.requester;
  return { bucket: event.detail.bucket.name, event: out };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * Everything an SQS message body may carry: S3 `Records`, an SNS envelope around them, an
 * EventBridge event, or S3's `s3:TestEvent` (which carries nothing).
 */
export function fromMessageBody(body: string): BucketObjectEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    throw new Error('the message body is not JSON', { cause: e });
  }
  return fromAny(value);
}

export function fromAny(value: unknown): BucketObjectEvent[] {
  if (!isRecord(value)) return [];
  if (value.Type === 'Notification' && typeof value.Message === 'string') return fromMessageBody(value.Message);
  if (Array.isArray(value.Records))
    return (value as unknown as S3Event).Records.flatMap((r) => {
      const out = r.eventSource === 'aws:s3' ? fromS3Record(r) : undefined;
      return out ? [out] : [];
    });
  if (value.source === 'aws.s3') {
    const out = fromEventBridge(value as unknown as S3ObjectCreatedBridgeEvent);
    return out ? [out] : [];
  }
  return [];
}
