/**
 * The `object-created` function: S3 notifications (through SQS, directly, or via EventBridge)
 * handed to the core one object at a time. SQS batches report the messages that failed, so
 * only those are retried (and dead-lettered after the queue's receive limit).
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { ObjectCreatedEvent, ObjectCreatedOutcome } from '../../../shared/service/object-created.js';
import type { Logger } from '../logger.js';
import { type BucketObjectEvent, fromAny, fromMessageBody } from '../s3-notifications.js';

export interface ObjectCreatedTarget {
  objectCreated(event: ObjectCreatedEvent): Promise<ObjectCreatedOutcome>;
}

export type ObjectCreatedHandler = (event: unknown, context?: Context) => Promise<SQSBatchResponse | undefined>;

const isSqsEvent = (event: unknown): event is SQSEvent =>
  typeof event === 'object' &&
  event !== null &&
  Array.isArray((event as SQSEvent).Records) &&
  (event as SQSEvent).Records.every((r) => r.eventSource === 'aws:sqs');

export function createObjectCreatedHandler(deps: {
  registry: ObjectCreatedTarget;
  bucket: string;
  logger: Logger;
}): ObjectCreatedHandler {
  const { logger } = deps;

  async function handle(items: BucketObjectEvent[]): Promise<void> {
    for (const { bucket, event } of items) {
      if (bucket !== deps.bucket) {
        logger.warn('object from another bucket ignored', { bucket });
        continue;
      }
      const outcome = await deps.registry.objectCreated(event);
      logger.info('object created', { key: event.key, size: event.size, outcome });
    }
  }

  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    if (isSqsEvent(event)) {
      const failures: SQSBatchResponse['batchItemFailures'] = [];
      for (const message of event.Records) {
        logger.setCorrelationId(message.messageId);
        try {
          await handle(fromMessageBody(message.body));
        } catch (error) {
          logger.error('object-created message failed; it will be retried', error as Error);
          failures.push({ itemIdentifier: message.messageId });
        }
      }
      return { batchItemFailures: failures };
    }
    const id = (event as { id?: unknown }).id;
    if (typeof id === 'string') logger.setCorrelationId(id);
    // Direct S3 or EventBridge invocations are asynchronous: throwing makes Lambda retry.
    await handle(fromAny(event));
    return undefined;
  };
}
