/**
 * `Headers`, `Request` and `Response` for the Lambda bundles, which esbuild puts in place of
 * Node's globals there (`inject`, infra/aws/bundling.ts; `lambda-fetch-globals.ts`). Node loads
 * its Fetch API (undici) on first use of any of them: ~35 ms of every cold start on Node 24,
 * and on Lambda nothing else loads it (the SDK talks HTTPS through `node:https`). These cover
 * what the core and Hono use on a request's path: headers, whole bodies (strings, bytes, blobs,
 * streams) and their readers. The rest (`formData()`, `signal`, `Response.error()`) builds
 * Node's own object on demand and delegates to it, so it still works and pays the load then.
 * @hono/node-server replaces the globals with light objects of its own for the same reason.
 */

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[\0\r\n]/;
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

type HeaderPairs = Iterable<readonly [string, string]> | Iterable<string[]>;
type HeadersSource = HeadersInit | LambdaHeaders | HeaderPairs | Record<string, string | undefined>;

/** The Fetch API's `Headers` (names lowercased, values trimmed, `set-cookie` kept apart, sorted iteration). */
export class LambdaHeaders implements Headers {
  readonly #values = new Map<string, string>();
  readonly #cookies: string[] = [];

  constructor(init?: HeadersSource) {
    if (init === undefined || init === null) return;
    if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<readonly string[]>) {
        if (pair.length !== 2) throw new TypeError('a header pair has two items');
        this.append(String(pair[0]), String(pair[1]));
      }
      return;
    }
    for (const [name, value] of Object.entries(init as Record<string, string | undefined>))
      if (value !== undefined) this.append(name, value);
  }

  static #name(name: string): string {
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name: ${JSON.stringify(name)}`);
    return name.toLowerCase();
  }

  static #value(value: string): string {
    const trimmed = String(value).replace(HTTP_WHITESPACE, '');
    if (INVALID_VALUE.test(trimmed)) throw new TypeError('invalid header value');
    return trimmed;
  }

  append(name: string, value: string): void {
    const key = LambdaHeaders.#name(name);
    const v = LambdaHeaders.#value(value);
    if (key === 'set-cookie') this.#cookies.push(v);
    const had = this.#values.get(key);
    this.#values.set(key, had === undefined ? v : `${had}, ${v}`);
  }

  set(name: string, value: string): void {
    const key = LambdaHeaders.#name(name);
    const v = LambdaHeaders.#value(value);
    if (key === 'set-cookie') this.#cookies.splice(0, this.#cookies.length, v);
    this.#values.set(key, v);
  }

  delete(name: string): void {
    const key = LambdaHeaders.#name(name);
    if (key === 'set-cookie') this.#cookies.length = 0;
    this.#values.delete(key);
  }

  get(name: string): string | null {
    return this.#values.get(LambdaHeaders.#name(name)) ?? null;
  }

  has(name: string): boolean {
    return this.#values.has(LambdaHeaders.#name(name));
  }

  getSetCookie(): string[] {
    return [...this.#cookies];
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this) callback.call(thisArg, value, name, this);
  }

  *entries(): HeadersIterator<[string, string]> {
    for (const name of [...this.#values.keys()].sort()) {
      if (name === 'set-cookie') for (const cookie of this.#cookies) yield [name, cookie];
      else yield [name, this.#values.get(name) ?? ''];
    }
  }

  *keys(): HeadersIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): HeadersIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Headers';
  }
}

/** A body held whole (what a Lambda event carries), or a stream or blob read when asked. */
type Bytes = Uint8Array<ArrayBuffer>;
type HeldBody = string | Bytes | Blob | ReadableStream<Bytes> | AsyncIterable<Bytes> | null;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The body as held, or undefined for a kind these objects leave to Node's own (FormData, URLSearchParams, ...). */
function heldBody(body: unknown): HeldBody | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Blob) return body;
  if (body instanceof Uint8Array) return body as Bytes;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength);
  if (typeof (body as ReadableStream).getReader === 'function') return body as ReadableStream<Bytes>;
  if (typeof (body as AsyncIterable<Bytes>)[Symbol.asyncIterator] === 'function') return body as AsyncIterable<Bytes>;
  return undefined;
}

async function bytesOf(body: HeldBody): Promise<Bytes> {
  if (body === null) return new Uint8Array(0);
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return new Uint8Array(body);
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  // Node's web streams are async iterables too.
  const chunks: Bytes[] = [];
  for await (const chunk of body as AsyncIterable<Bytes>)
    chunks.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Node's `ReadableStream.from` (Node 20.6), which the DOM types do not declare; looked up only when called. */
const streamFrom = (chunks: AsyncIterable<Bytes>) =>
  (ReadableStream as unknown as { from(chunks: AsyncIterable<Bytes>): ReadableStream<Bytes> }).from(chunks);

function streamOf(body: HeldBody): ReadableStream<Bytes> | null {
  if (body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return new Blob([body]).stream();
  if (body instanceof Blob) return body.stream();
  if (typeof (body as ReadableStream).getReader === 'function') return body as ReadableStream<Bytes>;
  return streamFrom(body as AsyncIterable<Bytes>);
}

/** What a Request and a Response share: one body, read once, by any of the Fetch API's readers. */
abstract class LambdaBody<Native extends Request | Response> {
  #body: HeldBody;
  #used = false;
  #stream: ReadableStream<Bytes> | null | undefined;
  #native: Native | undefined;

  protected constructor(body: HeldBody) {
    this.#body = body;
  }

  abstract readonly headers: LambdaHeaders;
  /** Builds Node's own object with the same state (which loads undici). */
  protected abstract toNative(): Native;

  /** Node's own object, built once, for what these objects leave to it. */
  protected native(): Native {
    this.#native ??= this.toNative();
    return this.#native;
  }

  /** The body for a copy of this object; this one's stream is split between them. */
  protected bodyForCopy(): HeldBody {
    if (this.#used) throw new TypeError('Body has already been used');
    const body = this.#body;
    if (body === null || typeof body === 'string' || body instanceof Uint8Array || body instanceof Blob) return body;
    const [mine, theirs] = (streamOf(body) as ReadableStream<Bytes>).tee();
    this.#body = mine;
    this.#stream = undefined;
    return theirs;
  }

  protected heldBody(): HeldBody {
    return this.#body;
  }

  get body(): ReadableStream<Bytes> | null {
    if (this.#stream === undefined) this.#stream = streamOf(this.#body);
    return this.#stream;
  }

  get bodyUsed(): boolean {
    return this.#used || (this.#stream?.locked ?? false);
  }

  async bytes(): Promise<Bytes> {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return bytesOf(this.#stream ?? this.#body);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer;
  }

  async text(): Promise<string> {
    const body = this.#body;
    if ((typeof body === 'string' || body instanceof Uint8Array) && !this.bodyUsed) {
      this.#used = true;
      return typeof body === 'string' ? body : decoder.decode(body);
    }
    return decoder.decode(await this.bytes());
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()], { type: this.headers.get('content-type') ?? '' });
  }

  async formData(): Promise<FormData> {
    this.#used = true;
    return this.native().formData();
  }
}

/** Fills in the content type the Fetch API gives a body that names none. */
function typeFor(body: HeldBody, headers: LambdaHeaders): void {
  if (headers.has('content-type')) return;
  if (typeof body === 'string') headers.set('content-type', 'text/plain;charset=UTF-8');
  else if (body instanceof Blob && body.type) headers.set('content-type', body.type);
}

/** The Fetch API normalises only these methods' case (`patch` stays as it is). */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const normalizedMethod = (method: string) =>
  NORMALIZED_METHODS.has(method.toUpperCase()) ? method.toUpperCase() : method;

/** The Fetch API's `Request` for a Lambda event (or the core's own), with its body held whole. */
export class LambdaRequest extends LambdaBody<Request> implements Request {
  readonly url: string;
  readonly method: string;
  readonly headers: LambdaHeaders;
  // What Node's own Request says for a request built from a URL and an init like these.
  readonly cache: RequestCache = 'default';
  readonly credentials: RequestCredentials = 'same-origin';
  readonly destination: RequestDestination = '';
  readonly integrity: string = '';
  readonly keepalive: boolean = false;
  readonly mode: RequestMode = 'cors';
  readonly redirect: RequestRedirect = 'follow';
  readonly referrer: string = 'about:client';
  readonly referrerPolicy: ReferrerPolicy = '';

  constructor(input: string | URL | LambdaRequest, init: RequestInit = {}) {
    const from = input instanceof LambdaRequest ? input : undefined;
    const body = init.body !== undefined ? heldBody(init.body) : (from?.bodyForCopy() ?? null);
    if (body === undefined) throw new TypeError('this body kind is left to the native Request (build one with it)');
    super(body);
    this.url = from ? from.url : new URL(String(input)).href;
    this.method = normalizedMethod(init.method ?? from?.method ?? 'GET');
    if ((this.method === 'GET' || this.method === 'HEAD') && body !== null)
      throw new TypeError('Request with GET/HEAD method cannot have body.');
    this.headers = new LambdaHeaders(init.headers ?? from?.headers);
    typeFor(body, this.headers);
  }

  protected toNative(): Request {
    const body = this.heldBody();
    return new globalThis.Request(this.url, {
      method: this.method,
      headers: [...this.headers],
      ...(body === null ? {} : { body: streamOf(body), duplex: 'half' }),
    } as RequestInit);
  }

  clone(): Request {
    return new LambdaRequest(this);
  }

  get signal(): AbortSignal {
    return this.native().signal;
  }
  get [Symbol.toStringTag](): string {
    return 'Request';
  }
}

/** The Fetch API's `Response`, as the core and Hono build them. */
export class LambdaResponse extends LambdaBody<Response> implements Response {
  readonly status: number;
  readonly statusText: string;
  readonly headers: LambdaHeaders;
  readonly type: ResponseType = 'default';
  readonly url: string = '';
  readonly redirected: boolean = false;

  constructor(body?: BodyInit | null, init: ResponseInit = {}) {
    const held = heldBody(body);
    if (held === undefined) throw new TypeError('this body kind is left to the native Response (build one with it)');
    super(held);
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599)
      throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
    if (held !== null && (status === 204 || status === 205 || status === 304))
      throw new TypeError('Response with null body status cannot have body');
    this.status = status;
    this.statusText = init.statusText ?? '';
    this.headers = new LambdaHeaders(init.headers);
    typeFor(held, this.headers);
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  protected toNative(): Response {
    return new globalThis.Response(streamOf(this.heldBody()), {
      status: this.status,
      statusText: this.statusText,
      headers: [...this.headers],
    });
  }

  clone(): Response {
    return new LambdaResponse(this.bodyForCopy() as BodyInit | null, this);
  }

  static json(data: unknown, init: ResponseInit = {}): Response {
    const headers = new LambdaHeaders(init.headers);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return new LambdaResponse(JSON.stringify(data), { ...init, headers });
  }

  static redirect(url: string | URL, status = 302): Response {
    return new LambdaResponse(null, { status, headers: { location: new URL(String(url)).href } });
  }

  static error(): Response {
    return globalThis.Response.error();
  }

  get [Symbol.toStringTag](): string {
    return 'Response';
  }
}
