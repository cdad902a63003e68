/**
 * A stand-in for the EventBridge endpoint (there is no local EventBridge server): it speaks
 * the PutEvents wire protocol (AWS JSON 1.1) to the real SDK client and records the entries.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
  Time?: number;
}

export interface EventBridgeRecorder {
  endpoint: string;
  entries: RecordedEntry[];
  /** While set, every entry is refused with this error code (FailedEntryCount > 0). */
  refuseWith: string | undefined;
  stop(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startEventBridgeRecorder(): Promise<EventBridgeRecorder> {
  const recorder: Omit<EventBridgeRecorder, 'endpoint' | 'stop'> = { entries: [], refuseWith: undefined };
  const server: Server = createServer(async (req, res) => {
    const target = req.headers['x-amz-target'];
    const body = JSON.parse(await bodyOf(req)) as { Entries: RecordedEntry[] };
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    if (target !== 'AWSEvents.PutEvents') {
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: 'UnknownOperationException' }));
      return;
    }
    const refuse = recorder.refuseWith;
    if (!refuse) recorder.entries.push(...body.Entries);
    res.end(
      JSON.stringify({
        FailedEntryCount: refuse ? body.Entries.length : 0,
        Entries: body.Entries.map((_, i) =>
          refuse ? { ErrorCode: refuse, ErrorMessage: 'refused by the test' } : { EventId: `event-${i}` },
        ),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return Object.assign(recorder, {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
