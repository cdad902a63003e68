/** EventSink on EventBridge: one entry per registry event, the history row's ulid as `detail.id`. */
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { RetryableStoreError } from '../../shared/errors.js';
import type { EventSink, RegistryEvent } from '../../shared/ports/event-sink.js';

export const EVENT_SOURCE = 'mreg.registry';
/** PutEvents takes at most 10 entries per call. */
const ENTRIES_PER_CALL = 10;

export interface EventBridgeEventSinkOptions {
  client: EventBridgeClient;
  eventBusName?: string;
}

export function entryOf(event: RegistryEvent, eventBusName?: string): PutEventsRequestEntry {
  const entry: PutEventsRequestEntry = {
    Source: EVENT_SOURCE,
    DetailType: event.type,
    Time: new Date(event.time),
    Resources: [],
    Detail: JSON.stringify({ id: event.id, model: event.model, time: event.time, ...event.detail }),
  };
  if (eventBusName) entry.EventBusName = eventBusName;
  return entry;
}

export class EventBridgeEventSink implements EventSink {
  constructor(private readonly options: EventBridgeEventSinkOptions) {}

  async publish(events: RegistryEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += ENTRIES_PER_CALL) {
      const chunk = events.slice(i, i + ENTRIES_PER_CALL);
      const out = await this.options.client.send(
        new PutEventsCommand({ Entries: chunk.map((e) => entryOf(e, this.options.eventBusName)) }),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const failed = (out.Entries ?? [])
          .map((entry, index) => ({ entry, event: chunk[index] }))
          .filter(({ entry }) => entry.ErrorCode !== undefined)
          .map(({ entry, event }) => `${event?.id}: ${entry.ErrorCode}`);
        throw new RetryableStoreError(`EventBridge refused ${out.FailedEntryCount} event(s): ${failed.join(', ')}`);
      }
    }
  }
}
