/**
 * Delivers object-created events the way SQS or Event Grid do: at least once, by a few
 * concurrent consumers, and a delivery that throws goes back to be retried (bounded).
 */
import type { ObjectCreatedEvent, ObjectCreatedOutcome } from '../../shared/service/object-created.js';
import type { Registry } from './backend.js';

export interface DeliveryFigures {
  deliveries: number;
  attempts: number;
  /** Events still throwing after every retry (a dead-letter queue would hold them). */
  deadLettered: number;
  outcomes: ObjectCreatedOutcome[];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function deliverAll(
  reg: Registry,
  events: ObjectCreatedEvent[],
  options: { consumers?: number; maxAttempts?: number } = {},
): Promise<DeliveryFigures> {
  const queue = [...events];
  const figures: DeliveryFigures = { deliveries: 0, attempts: 0, deadLettered: 0, outcomes: [] };
  const maxAttempts = options.maxAttempts ?? 15;
  const consumer = async () => {
    for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
      for (let attempt = 1; ; attempt++) {
        figures.attempts++;
        try {
          figures.outcomes.push(await reg.registry.objectCreated(event));
          figures.deliveries++;
          break;
        } catch {
          if (attempt >= maxAttempts) {
            figures.deadLettered++;
            break;
          }
          await pause(20 * attempt);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.consumers ?? 4 }, consumer));
  return figures;
}
