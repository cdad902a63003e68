/** The registry's operations, requests and background work alike: what the event handlers and timers call. */
import type { EventSink } from '../ports/event-sink.js';
import { type ObjectCreatedEvent, objectCreated } from './object-created.js';
import { drainHistory } from './outbox.js';
import { RegistryApi, type RegistryPorts } from './registry-api.js';
import { resumableSha256 } from './sha256-resumable.js';
import { sweep } from './sweeper.js';

export type { RegistryPorts } from './registry-api.js';

export class RegistryService extends RegistryApi {
  /** Background verification may outlast one invocation, so it hashes resumably unless told otherwise. */
  constructor(ports: RegistryPorts) {
    super({ sha256: resumableSha256, ...ports });
  }

  sweep(options?: Parameters<typeof sweep>[1]) {
    return sweep(this.context, options);
  }

  /** An object-created notification from the platform (S3, Event Grid). */
  objectCreated(event: ObjectCreatedEvent) {
    return objectCreated(this.context, event);
  }

  /** Publishes history rows not yet published to `sink` (at least once). */
  drainHistory(sink: EventSink, options?: { maxModels?: number }) {
    return drainHistory(this.context, sink, options);
  }
}
