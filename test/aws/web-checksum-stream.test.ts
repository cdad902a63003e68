/**
 * The Lambda bundles' web `ChecksumStream` (functions/aws/web-checksum-stream.ts) answers as the
 * SDK's does: built, subclassed, and set as the prototype of a stream the SDK wraps.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ChecksumStream } from '../../functions/aws/web-checksum-stream.js';

const read = async (stream: ReadableStream<Uint8Array>) => Buffer.from(await new Response(stream).arrayBuffer());

describe('the deferred web ChecksumStream', () => {
  it('loads without touching ReadableStream: Node loads no web streams for it', async () => {
    // Node 20 loads its web streams to run an `-e` module itself: only modules loaded by the import count.
    const probe = `const before = process.moduleLoadList.length;
await import(${JSON.stringify(new URL('../../functions/aws/web-checksum-stream.ts', import.meta.url).href)});
console.log(process.moduleLoadList.slice(before).some((m) => m.includes('internal/webstreams')));`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      probe,
    ]);
    expect(stdout.trim()).toBe('false');
  });

  it('builds streams that are ReadableStreams, and is subclassed as a class is', async () => {
    const stream = new ChecksumStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('abc'));
        controller.close();
      },
    });
    expect(stream).toBeInstanceOf(ReadableStream);
    expect(stream).toBeInstanceOf(ChecksumStream);
    expect((await read(stream)).toString()).toBe('abc');
    class Sub extends (ChecksumStream as new () => ReadableStream) {}
    const sub = new Sub();
    expect(sub).toBeInstanceOf(Sub);
    expect(sub).toBeInstanceOf(ChecksumStream);
    expect(sub).toBeInstanceOf(ReadableStream);
    expect(new ReadableStream()).not.toBeInstanceOf(ChecksumStream);
  });

  it('marks a wrapped stream through its prototype, as the SDK’s createChecksumStream does', async () => {
    // The SDK pipes the source through a TransformStream and gives the readable side this prototype.
    const transform = new TransformStream<Uint8Array, Uint8Array>();
    const source = new Blob(['payload']).stream();
    void source.pipeTo(transform.writable);
    const wrapped = Object.setPrototypeOf(transform.readable, ChecksumStream.prototype) as ReadableStream<Uint8Array>;
    expect(wrapped).toBeInstanceOf(ChecksumStream);
    expect(wrapped).toBeInstanceOf(ReadableStream);
    expect((await read(wrapped)).toString()).toBe('payload');
    expect(typeof (ChecksumStream as unknown as { from: unknown }).from).toBe('function');
  });
});
