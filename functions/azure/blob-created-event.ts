/**
 * `Microsoft.Storage.BlobCreated` from Event Grid (Event Grid schema or CloudEvents 1.0) to the
 * core's ObjectCreatedEvent: the key inside the registry's container from `data.url`, the
 * bare etag, the size, the sequencer and, where the event has one, the writer's identity.
 */
import type { ObjectCreatedEvent } from '../../shared/service/object-created.js';
import { bareEtag } from './blob-object-store.js';

export const BLOB_CREATED = 'Microsoft.Storage.BlobCreated';

/**
 * Writes that do not complete a blob: on accounts with a hierarchical namespace (and SFTP)
 * a file is first created empty, and `FlushWithClose` / `SftpCommit` follow with the bytes.
 */
const INCOMPLETE_WRITES = new Set(['CreateFile', 'SftpCreate']);

/** The fields both delivery schemas share, as far as this handler reads them. */
export interface DeliveredEvent {
  eventType?: string;
  type?: string;
  subject?: string;
  data?: Record<string, unknown>;
}

export type BlobCreatedResult = { event: ObjectCreatedEvent } | { ignored: string };

/**
 * The blob name inside `container` from a blob URL: `https://acct.blob.core.windows.net/<container>/<name>`
 * or, on the emulator, `http://127.0.0.1:port/<account>/<container>/<name>`. Segments are percent-decoded once.
 */
export function keyInContainer(url: string, container: string): string | undefined {
  let segments: string[];
  try {
    segments = new URL(url).pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  for (const skip of [0, 1]) {
    if (segments[skip] === container && segments.length > skip + 1) {
      const key = segments.slice(skip + 1).join('/');
      return key === '' ? undefined : key;
    }
  }
  return undefined;
}

export function objectCreatedFromEventGrid(delivered: DeliveredEvent, container: string): BlobCreatedResult {
  const type = delivered.eventType ?? delivered.type;
  if (type !== BLOB_CREATED) return { ignored: `event type ${type ?? '(none)'}` };
  const data = delivered.data ?? {};
  const { url, eTag, contentLength, sequencer, api, identity } = data;
  if (typeof api === 'string' && INCOMPLETE_WRITES.has(api)) return { ignored: `${api} does not complete a blob` };
  if (typeof url !== 'string' || typeof eTag !== 'string' || typeof contentLength !== 'number')
    return { ignored: 'the event lacks data.url, data.eTag or data.contentLength' };
  const key = keyInContainer(url, container);
  if (key === undefined) return { ignored: `${url} is not in container ${container}` };
  const event: ObjectCreatedEvent = { key, size: contentLength, etag: bareEtag(eTag) };
  if (typeof sequencer === 'string') event.sequencer = sequencer;
  if (typeof identity === 'string' && identity !== '') event.creator = identity;
  return { event };
}
