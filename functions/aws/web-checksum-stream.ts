/**
 * @smithy/core's web `ChecksumStream`, which the Lambda bundles carry in place of the SDK's own
 * (`…/util-stream/checksum/ChecksumStream.browser.js`; infra/aws/bundling.ts swaps it in).
 *
 * The SDK's module runs `class extends ReadableStream` as it loads. On that first mention of
 * `ReadableStream`, Node loads its whole web streams implementation: about 7 ms of every cold
 * start (5% of the API's), spent on a class a Lambda does not build. The SDK checks Node streams
 * with its Node `ChecksumStream`; this one only wraps web streams. The S3 client reaches the
 * module through the chunk every cold start loads.
 *
 * Here the class is defined on first use. Its constructor, its `prototype` (which the SDK sets on
 * the streams it wraps) and `instanceof` answer as the SDK's do.
 */
let defined: typeof ReadableStream | undefined;
const real = (): typeof ReadableStream => {
  if (!defined) {
    const Base: new (...args: ConstructorParameters<typeof ReadableStream>) => ReadableStream = ReadableStream;
    defined = class ChecksumStream extends Base {} as typeof ReadableStream;
  }
  return defined;
};

// A plain function's `prototype` is writable, so the proxy may answer with the real class's.
const placeholder = function ChecksumStream() {} as unknown as typeof ReadableStream;

export const ChecksumStream: typeof ReadableStream = new Proxy(placeholder, {
  get: (target, key) => Reflect.get(key === 'prototype' || !(key in target) ? real() : target, key),
  construct: (_target, args, newTarget) =>
    Reflect.construct(real(), args, newTarget === ChecksumStream ? real() : newTarget),
});
