/** Where registry events go: EventBridge, Event Grid, or the local log. */
export interface RegistryEvent {
  /** The history row's ulid: consumers dedupe on it (delivery is at least once). */
  id: string;
  type: 'ModelVersionReady' | 'ModelVersionDeleted' | 'AliasMoved' | 'VersionStateChanged' | 'ModelChanged';
  model: string;
  time: string;
  detail: Record<string, unknown>;
}

export interface EventSink {
  publish(events: RegistryEvent[]): Promise<void>;
}

export const discardEvents: EventSink = { publish: async () => {} };
