/**
 * Holds storage traffic at a chosen point, so a test can kill a client mid-transfer at a known
 * place instead of racing a timer: part uploads from a part number on never reach storage, or
 * downloads stop after some bytes. Two ways in: wrapping the local server's file store, or an
 * HTTP proxy in front of s3rver that the presigned URLs point at (s3rver checks no signature).
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FileObjectStore } from '../../functions/local/file-object-store.js';
import { RetryableStoreError } from '../../shared/errors.js';

export interface TransferGate {
  /** Part numbers storage acknowledged, in order. */
  partsStored: number[];
  /** The Range header of every signed download. */
  ranges: string[];
  /** From now on, part uploads numbered `n` or higher hang and never reach storage. */
  holdPartsFrom(n: number): void;
  /** From now on, signed downloads send `bytes` bytes, then hang. */
  holdDownloadsAfter(bytes: number): void;
  /** The next `times` uploads of this part fail with 503 (storage busy), before storage sees them. */
  failPart(partNumber: number, times: number): void;
  /** Lets held requests fail and later ones through. */
  release(): void;
}

class GateState {
  partsStored: number[] = [];
  ranges: string[] = [];
  holdFrom: number | undefined;
  holdAfter: number | undefined;
  private failures = new Map<number, number>();
  private waiters: Array<() => void> = [];

  failPart(partNumber: number, times: number) {
    this.failures.set(partNumber, times);
  }
  /** True when this upload of the part is one of those told to fail. */
  failsNow(partNumber: number): boolean {
    const left = this.failures.get(partNumber) ?? 0;
    if (left <= 0) return false;
    this.failures.set(partNumber, left - 1);
    return true;
  }

  holdPartsFrom(n: number) {
    this.holdFrom = n;
  }
  holdDownloadsAfter(bytes: number) {
    this.holdAfter = bytes;
  }
  release() {
    this.holdFrom = undefined;
    this.holdAfter = undefined;
    for (const wake of this.waiters.splice(0)) wake();
  }
  /** Resolves when `release()` is called. */
  released(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** A gate on nothing: for a run that measures instead of holding traffic. */
export const idleGate = (): TransferGate => new GateState();

/** Gates the local server's store (its `/_objects/` routes call these methods). */
export function gateFileStore(store: FileObjectStore): TransferGate {
  const gate = new GateState();
  const writePart = store.writePart.bind(store);
  const read = store.read.bind(store);
  store.writePart = async (uploadId, partNumber, body) => {
    // A busy store: the route answers 503, as for any retryable store failure.
    if (gate.failsNow(partNumber)) throw new RetryableStoreError('failing by the test gate');
    if (gate.holdFrom !== undefined && partNumber >= gate.holdFrom) {
      await gate.released();
      throw new Error('held by the test gate');
    }
    const part = await writePart(uploadId, partNumber, body);
    gate.partsStored.push(partNumber);
    return part;
  };
  store.read = async (key, options = {}) => {
    // The route turns a Range header into the range it asks the store for.
    if (options.range) gate.ranges.push(`bytes=${options.range.start}-`);
    const stream = await read(key, options);
    const limit = gate.holdAfter;
    if (limit === undefined) return stream;
    const reader = stream.getReader();
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= limit) {
          await gate.released();
          controller.error(new Error('held by the test gate'));
          return;
        }
        const { done, value } = await reader.read();
        if (done) return controller.close();
        const chunk = value.subarray(0, limit - sent);
        sent += chunk.length;
        controller.enqueue(chunk);
      },
      cancel: (reason) => reader.cancel(reason),
    });
  };
  return gate;
}

export interface GateProxy {
  url: string;
  gate: TransferGate;
  close(): Promise<void>;
}

/** A loopback HTTP proxy to `target` that applies the gate to presigned requests. */
export async function startGateProxy(target: string): Promise<GateProxy> {
  const gate = new GateState();
  const upstream = new URL(target);
  const open = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const url = new URL(req.url ?? '/', target);
    // Presigned URLs carry their signature in the query; the registry's own calls sign headers.
    const presigned = url.searchParams.has('X-Amz-Signature');
    const partNumber = Number(url.searchParams.get('partNumber'));
    const isPart = presigned && req.method === 'PUT' && partNumber > 0;
    if (isPart && gate.failsNow(partNumber)) {
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        );
      });
      return;
    }
    if (isPart && gate.holdFrom !== undefined && partNumber >= gate.holdFrom) {
      void gate.released().then(() => res.destroy());
      return;
    }
    if (presigned && req.method === 'GET' && typeof req.headers.range === 'string') gate.ranges.push(req.headers.range);
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (isPart && answer.statusCode === 200) gate.partsStored.push(partNumber);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const limit = gate.holdAfter;
        if (!(presigned && req.method === 'GET' && limit !== undefined)) {
          answer.pipe(res);
          return;
        }
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= limit) return;
          const part = chunk.subarray(0, limit - sent);
          sent += part.length;
          res.write(part);
          if (sent >= limit) {
            answer.pause();
            void gate.released().then(() => {
              answer.destroy();
              res.destroy();
            });
          }
        });
        answer.on('end', () => res.end());
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    gate,
    close: async () => {
      gate.release();
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
