/** The local server's EventSink: registry events as JSON lines on stdout (no broker on one machine). */
import type { EventSink, RegistryEvent } from '../../shared/ports/event-sink.js';

export function logEventSink(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): EventSink {
  return {
    publish: async (events: RegistryEvent[]) => {
      for (const event of events) write(JSON.stringify({ event: event.type, ...event }));
    },
  };
}
