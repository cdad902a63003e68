/**
 * The `publisher` function: the table's stream of history rows -> EventBridge, at least once.
 * A failed chunk reports its first record, so the stream resumes there (earlier chunks were
 * accepted; consumers dedupe on the ulid in `detail.id`).
 */
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { EventSink, RegistryEvent } from '../../../shared/ports/event-sink.js';
import { eventOfStreamRecord } from '../history-stream.js';
import type { Logger } from '../logger.js';

const CHUNK = 10;

export function createPublisherHandler(deps: { sink: EventSink; logger: Logger }) {
  const { logger } = deps;
  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    const pending: Array<{ record: DynamoDBRecord; event: RegistryEvent }> = [];
    for (const record of event.Records) {
      const registryEvent = eventOfStreamRecord(record);
      if (registryEvent) pending.push({ record, event: registryEvent });
    }
    for (let i = 0; i < pending.length; i += CHUNK) {
      const chunk = pending.slice(i, i + CHUNK);
      try {
        await deps.sink.publish(chunk.map((c) => c.event));
      } catch (error) {
        logger.error('publishing failed; the stream retries from here', error as Error);
        return { batchItemFailures: [{ itemIdentifier: chunk[0]?.record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    logger.info('published', { events: pending.length, records: event.Records.length });
    return { batchItemFailures: [] };
  };
}
