/**
 * The verification queue as table rows: `enqueue` puts a row in partition `VERIFY#<model>`,
 * and the table's stream (filtered to that prefix) invokes the verifier. It needs no client
 * beyond DynamoDB's, which keeps the API bundle small. Rows expire through TTL.
 */
import type { MetadataStore } from '../../shared/ports/metadata-store.js';
import type { VerificationQueue } from '../../shared/service/context.js';

export const VERIFY_PARTITION_PREFIX = 'VERIFY#';
const ROW_LIFETIME_MS = 86400_000;

export interface VerificationRequest {
  model: string;
  version: number;
}

export function tableVerificationQueue(metadata: MetadataStore, now: () => Date = () => new Date()): VerificationQueue {
  return {
    async enqueue(model, version) {
      const at = now();
      await metadata.batch(`${VERIFY_PARTITION_PREFIX}${model}`, [
        {
          op: 'put',
          // A new row per request: a re-enqueued version verifies again (the verifier is idempotent).
          sk: `${String(version).padStart(12, '0')}#${at.toISOString()}`,
          data: {
            model,
            version,
            requestedAt: at.toISOString(),
            expiresAt: new Date(at.getTime() + ROW_LIFETIME_MS).toISOString(),
          },
        },
      ]);
    },
  };
}
