/**
 * The `verifier` function: asynchronous verification of PENDING versions. Requests arrive as
 * `VERIFY#` rows on the table's stream (see verification-queue.ts), or directly as
 * `{model, version}` (an EventBridge rule or a manual invoke). Each invocation hashes until shortly
 * before its own timeout; the core then saves the hash state and queues the rest.
 */
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { CommitResult } from '../../../shared/service/versions/verify.js';
import { type DynamoRecord, decodeItem } from '../dynamo-item.js';
import type { Logger } from '../logger.js';
import { VERIFY_PARTITION_PREFIX, type VerificationRequest } from '../verification-queue.js';

export interface VerificationTarget {
  versions: {
    runVerification(
      model: string,
      version: number,
      options?: { deadlineMs?: number },
    ): Promise<CommitResult | undefined>;
  };
}

/** Time kept back from the Lambda timeout to save the hash state and re-enqueue the rest. */
export const DEADLINE_MARGIN_MS = 60_000;

/** A slice of hashing ends this long before the invocation would be killed (or never, outside Lambda). */
export function deadlineOf(context: Context | undefined, now: () => number = Date.now): number | undefined {
  if (!context) return undefined;
  const remaining = context.getRemainingTimeInMillis();
  return now() + Math.max(remaining - DEADLINE_MARGIN_MS, remaining / 2);
}

export type VerifierHandler = (event: unknown, context?: Context) => Promise<DynamoDBBatchResponse | undefined>;

const isStreamEvent = (event: unknown): event is DynamoDBStreamEvent =>
  typeof event === 'object' &&
  event !== null &&
  Array.isArray((event as DynamoDBStreamEvent).Records) &&
  (event as DynamoDBStreamEvent).Records.every((r) => r.eventSource === 'aws:dynamodb');

function requestOf(value: unknown): VerificationRequest | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { model, version } = value as Record<string, unknown>;
  if (typeof model !== 'string' || typeof version !== 'number' || !Number.isInteger(version)) return undefined;
  return { model, version };
}

export function createVerifierHandler(deps: { registry: VerificationTarget; logger: Logger }): VerifierHandler {
  const { logger } = deps;

  async function verify(request: VerificationRequest, context: Context | undefined): Promise<void> {
    const deadlineMs = deadlineOf(context);
    const result = await deps.registry.versions.runVerification(
      request.model,
      request.version,
      deadlineMs === undefined ? {} : { deadlineMs },
    );
    logger.info('verified', { ...request, state: result?.version.state ?? 'unchanged' });
  }

  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    if (isStreamEvent(event)) {
      for (const record of event.Records) {
        const image = record.dynamodb?.NewImage;
        if (record.eventName !== 'INSERT' || !image?.pk?.S?.startsWith(VERIFY_PARTITION_PREFIX)) continue;
        const request = requestOf(decodeItem(image as DynamoRecord).data);
        if (!request) continue;
        logger.setCorrelationId(record.eventID);
        try {
          await verify(request, context);
        } catch (error) {
          logger.error('verification failed; retrying from this record', error as Error);
          // Stream batches resume from the first failure.
          return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
        }
      }
      return { batchItemFailures: [] };
    }
    const direct = requestOf((event as { detail?: unknown }).detail ?? event);
    if (!direct) throw new Error('the verifier takes a stream of VERIFY# rows or {model, version}');
    await verify(direct, context);
    return undefined;
  };
}
