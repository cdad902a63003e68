/**
 * The Lambda bundles' light `Headers`, `Request` and `Response` behave as Node's own do, for
 * what the core and Hono use: each case runs against both and compares what they answer.
 */
import { describe, expect, it } from 'vitest';
import { LambdaHeaders, LambdaRequest, LambdaResponse } from '../../functions/aws/lambda-fetch.js';

const kinds = [
  { name: 'native', Headers: globalThis.Headers, Request: globalThis.Request, Response: globalThis.Response },
  {
    name: 'light',
    Headers: LambdaHeaders as unknown as typeof Headers,
    Request: LambdaRequest as unknown as typeof Request,
    Response: LambdaResponse as unknown as typeof Response,
  },
];

/** What a case answers with each kind; the light kind must answer what the native one does. */
async function alike<T>(run: (k: (typeof kinds)[number]) => T | Promise<T>): Promise<T> {
  const [native, light] = [
    await run(kinds[0] as (typeof kinds)[number]),
    await run(kinds[1] as (typeof kinds)[number]),
  ];
  expect(light).toEqual(native);
  return native;
}

const stream = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

describe('light Headers', () => {
  it('lowercases names, trims values, joins repeats, keeps set-cookie apart, and iterates sorted', async () => {
    const seen = await alike(({ Headers }) => {
      const h = new Headers({ 'X-B': ' two ', 'content-type': 'application/json' });
      h.append('x-b', 'three');
      h.append('Set-Cookie', 'a=1');
      h.append('set-cookie', 'b=2');
      h.set('X-A', 'one');
      h.delete('content-type');
      const each: string[] = [];
      h.forEach((value, name) => {
        each.push(`${name}=${value}`);
      });
      return {
        entries: [...h],
        each,
        get: [h.get('x-b'), h.get('X-A'), h.get('missing'), h.get('set-cookie')],
        has: [h.has('X-B'), h.has('content-type')],
        cookies: h.getSetCookie(),
        keys: [...h.keys()],
        values: [...h.values()],
      };
    });
    expect(seen.get).toEqual(['two, three', 'one', null, 'a=1, b=2']);
  });

  it('copies another Headers, a list of pairs or a record, and refuses bad names and values', async () => {
    await alike(({ Headers }) => {
      const first = new Headers([
        ['a', '1'],
        ['set-cookie', 'x=1'],
        ['set-cookie', 'y=2'],
      ]);
      const copy = new Headers(first);
      copy.set('a', '2');
      return {
        first: [...first],
        copy: [...copy],
        nativeCopy: [...new Headers(new globalThis.Headers({ b: '3' }))],
        badName: (() => {
          try {
            new Headers({ 'bad name': 'x' });
            return 'accepted';
          } catch (e) {
            return (e as Error).name;
          }
        })(),
        badValue: (() => {
          try {
            new Headers().set('a', 'x\r\ny: 1');
            return 'accepted';
          } catch (e) {
            return (e as Error).name;
          }
        })(),
      };
    });
  });
});

describe('light Request', () => {
  it('reads a body once, by any reader, with the URL and method as given', async () => {
    await alike(async ({ Request }) => {
      const r = new Request('https://api.example/v1/models?x=1', {
        method: 'post',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{"name":"m"}'),
      });
      const head = {
        url: r.url,
        method: r.method,
        type: r.headers.get('content-type'),
        used: r.bodyUsed,
        defaults: [r.cache, r.credentials, r.destination, r.integrity, r.keepalive, r.mode, r.redirect, r.referrer],
        referrerPolicy: r.referrerPolicy,
        tag: Object.prototype.toString.call(r),
      };
      const json = await r.json();
      const again = await r.text().then(
        () => 'read twice',
        (e: Error) => e.name,
      );
      return { head, json, used: r.bodyUsed, again };
    });
  });

  it('gives a string body a text type, streams its body, and copies itself with a new body', async () => {
    await alike(async ({ Request }) => {
      const r = new Request('https://api.example/a', { method: 'PUT', body: 'héllo' });
      const chunks: number[] = [];
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(...value);
      }
      const copy = new Request(new Request('https://api.example/b', { method: 'POST', body: 'old' }), {
        body: new Uint8Array([1, 2]),
      });
      const clone = new Request('https://api.example/c', { method: 'POST', body: 'twice' }).clone();
      return {
        type: r.headers.get('content-type'),
        bytes: Buffer.from(chunks).toString('utf8'),
        used: r.bodyUsed,
        copy: { url: copy.url, method: copy.method, bytes: [...new Uint8Array(await copy.arrayBuffer())] },
        clone: await clone.text(),
        getWithBody: (() => {
          try {
            new Request('https://api.example/d', { method: 'GET', body: 'x' });
            return 'accepted';
          } catch (e) {
            return (e as Error).name;
          }
        })(),
        noBody: new Request('https://api.example/e').body,
        methods: ['delete', 'Options', 'patch', 'PATCH'].map(
          (method) => new Request('https://api.example/m', { method }).method,
        ),
      };
    });
  });

  it('leaves what it does not hold to Node’s own Request (an abort signal, a form body)', async () => {
    const r = new LambdaRequest('https://api.example/f', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=2',
    });
    expect(r.signal.aborted).toBe(false);
    expect(Object.fromEntries(await r.formData())).toEqual({ a: '1', b: '2' });
    expect(
      () => new LambdaRequest('https://api.example/g', { method: 'POST', body: new URLSearchParams('a=1') }),
    ).toThrow(TypeError);
  });
});

describe('light Response', () => {
  it('carries status and headers, and reads strings, bytes, blobs and streams', async () => {
    await alike(async ({ Response, Headers }) => {
      const json = new Response(JSON.stringify({ a: 1 }), {
        status: 201,
        headers: new Headers({ 'content-type': 'application/json', 'set-cookie': 's=1' }),
      });
      const copy = new Response(null, json);
      return {
        json: { status: json.status, ok: json.ok, headers: [...json.headers], body: await json.json() },
        copy: { status: copy.status, headers: [...copy.headers], body: copy.body },
        text: await new Response('plain').text(),
        textType: new Response('plain').headers.get('content-type'),
        bytes: [...new Uint8Array(await new Response(new Uint8Array([7, 8])).arrayBuffer())],
        blob: await (await new Response(new Blob(['b'], { type: 'text/x-b' })).blob()).text(),
        blobType: new Response(new Blob(['b'], { type: 'text/x-b' })).headers.get('content-type'),
        stream: await new Response(stream('a', 'b', 'c')).text(),
        redirect: [...new Response(null, { status: 302, headers: { location: 'https://x.example/' } }).headers],
        noContent: (() => {
          try {
            new Response('x', { status: 204 });
            return 'accepted';
          } catch (e) {
            return (e as Error).name;
          }
        })(),
        badStatus: (() => {
          try {
            new Response(null, { status: 99 });
            return 'accepted';
          } catch (e) {
            return (e as Error).name;
          }
        })(),
      };
    });
  });

  it('clones a streamed body into two readable copies, and reads an async iterable whole', async () => {
    const streamed = new LambdaResponse(stream('x', 'y'));
    const clone = streamed.clone();
    expect([await streamed.text(), await clone.text()]).toEqual(['xy', 'xy']);
    async function* chunks() {
      yield new TextEncoder().encode('it');
      yield new TextEncoder().encode('er');
    }
    expect(await new LambdaResponse(chunks() as unknown as BodyInit).text()).toBe('iter');
    expect(await LambdaResponse.json({ a: 1 }).json()).toEqual({ a: 1 });
  });
});
