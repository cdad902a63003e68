/**
 * EventSink on an Event Grid custom topic: the same event types as on AWS (`event.type`), the
 * history row's ulid as the event id (consumers dedupe on it), authenticated with the managed
 * identity (EventGrid Data Sender), so no topic key is configured anywhere.
 */
import type { SendEventGridEventInput } from '@azure/eventgrid';
import type { TokenCredential } from '@azure/identity';
import type { EventSink, RegistryEvent } from '../../shared/ports/event-sink.js';
import { asStoreError } from './storage-errors.js';

/** Keeps each publish call well under Event Grid's 1 MB request limit. */
const EVENTS_PER_CALL = 100;

export function eventGridEventOf(event: RegistryEvent): SendEventGridEventInput<Record<string, unknown>> {
  return {
    id: event.id,
    eventType: event.type,
    subject: `models/${event.model}`,
    eventTime: new Date(event.time),
    dataVersion: '1.0',
    data: { id: event.id, model: event.model, time: event.time, ...event.detail },
  };
}

/** Where events go: a real topic, or anything with the same `send` (tests). */
export interface EventGridSender {
  send(events: SendEventGridEventInput<Record<string, unknown>>[]): Promise<void>;
}

export class EventGridEventSink implements EventSink {
  constructor(private readonly sender: EventGridSender) {}

  /** The SDK loads on the first publish: only the publisher timer needs it, so other cold starts skip it. */
  static forTopic(endpoint: string, credential: TokenCredential): EventGridEventSink {
    let client: Promise<EventGridSender> | undefined;
    return new EventGridEventSink({
      async send(events) {
        client ??= import('@azure/eventgrid').then(
          ({ EventGridPublisherClient }) => new EventGridPublisherClient(endpoint, 'EventGrid', credential),
        );
        await (await client).send(events);
      },
    });
  }

  async publish(events: RegistryEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += EVENTS_PER_CALL) {
      try {
        await this.sender.send(events.slice(i, i + EVENTS_PER_CALL).map(eventGridEventOf));
      } catch (e) {
        throw asStoreError(e, 'publishing to Event Grid');
      }
    }
  }
}
