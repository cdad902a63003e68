/**
 * A packed run of metric points: ascending by (step, timestamp), as one base64 string.
 *
 * Binary, because the cost of a row is its size: a DynamoDB write unit per KB, and JSON spends
 * ~40 bytes on a point that packs into ~11 (steps and timestamps as zigzag varints of their
 * difference to the previous point, values as float64, so NaN, ±Infinity and -0 survive, which
 * JSON cannot carry). Base64, because every store carries strings.
 */

export interface Position {
  step: number;
  timestamp: number;
}

export interface MetricPoint extends Position {
  value: number;
}

const FORMAT = 1;

/** Order of the series: by step, then by timestamp. */
export const comparePoints = (a: Position, b: Position): number => a.step - b.step || a.timestamp - b.timestamp;

/** Steps and timestamps reach 1e15 and may be negative: integer arithmetic, no 32-bit bit operations. */
const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

function varintLength(n: number): number {
  let length = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    length++;
  }
  return length;
}

/** Bytes a point takes after `previous` (or first in a chunk). */
export function pointBytes(point: MetricPoint, previous: MetricPoint | undefined): number {
  const step = zigzag(point.step - (previous?.step ?? 0));
  const timestamp = zigzag(point.timestamp - (previous?.timestamp ?? 0));
  return varintLength(step) + varintLength(timestamp) + 8;
}

/** Bytes of the packed form (before base64) of ascending `points`. */
export function packedBytes(points: readonly MetricPoint[]): number {
  let bytes = 1 + varintLength(points.length);
  let previous: MetricPoint | undefined;
  for (const p of points) {
    bytes += pointBytes(p, previous);
    previous = p;
  }
  return bytes;
}

/** The most bytes a point can take: two varints of numbers below 2^56, and a float64. */
const MAX_POINT_BYTES = 8 + 8 + 8;

/** Encoding space, reused: a chunk's bytes live only until they are turned into base64. */
let scratch = Buffer.alloc(0);
let scratchView = new DataView(scratch.buffer);

export function encodeChunk(points: readonly MetricPoint[]): string {
  const most = 1 + 8 + points.length * MAX_POINT_BYTES;
  if (scratch.length < most) {
    scratch = Buffer.alloc(Math.max(most, 2 * scratch.length));
    scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
  }
  const bytes = scratch;
  const view = scratchView;
  let at = 0;
  const varint = (n: number) => {
    while (n >= 128) {
      bytes[at++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    bytes[at++] = n;
  };
  bytes[at++] = FORMAT;
  varint(points.length);
  let previous: MetricPoint | undefined;
  for (const p of points) {
    varint(zigzag(p.step - (previous?.step ?? 0)));
    varint(zigzag(p.timestamp - (previous?.timestamp ?? 0)));
    view.setFloat64(at, p.value, true);
    at += 8;
    previous = p;
  }
  return bytes.toString('base64', 0, at);
}

export function decodeChunk(text: string): MetricPoint[] {
  if (text === '') return [];
  const bytes = Buffer.from(text, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const varint = (): number => {
    let n = 0;
    let scale = 1;
    for (;;) {
      const byte = bytes[at++];
      if (byte === undefined) throw new Error('a metric chunk ends inside a number');
      n += (byte & 127) * scale;
      if (byte < 128) return n;
      scale *= 128;
    }
  };
  if (bytes[at++] !== FORMAT) throw new Error('a metric chunk in an unknown format');
  const count = varint();
  const points: MetricPoint[] = new Array(count);
  let step = 0;
  let timestamp = 0;
  for (let i = 0; i < count; i++) {
    step += unzigzag(varint());
    timestamp += unzigzag(varint());
    if (at + 8 > bytes.length) throw new Error('a metric chunk ends inside a value');
    points[i] = { step, timestamp, value: view.getFloat64(at, true) };
    at += 8;
  }
  return points;
}

/**
 * `into` with `incoming` merged in (both ascending, positions unique in each); a point of
 * `incoming` replaces one at the same (step, timestamp). `changed` is false when every
 * incoming point was already there with the same value (a replayed batch).
 */
export function mergePoints(
  into: readonly MetricPoint[],
  incoming: readonly MetricPoint[],
): { points: MetricPoint[]; changed: boolean } {
  // Appending to an empty tail, the common case: nothing to merge.
  if (into.length === 0) return { points: incoming.slice(), changed: incoming.length > 0 };
  const points: MetricPoint[] = [];
  let changed = false;
  let i = 0;
  let j = 0;
  while (i < into.length || j < incoming.length) {
    const a = into[i];
    const b = incoming[j];
    const order = a === undefined ? 1 : b === undefined ? -1 : comparePoints(a, b);
    if (order < 0 && a) {
      points.push(a);
      i++;
    } else if (b) {
      if (order === 0 && a) {
        if (!Object.is(a.value, b.value)) changed = true;
        i++;
      } else changed = true;
      points.push(b);
      j++;
    }
  }
  return { points, changed };
}

/** Cuts ascending points into the fewest even pieces whose packed form stays within `maxBytes`. */
export function splitPoints(
  points: readonly MetricPoint[],
  maxBytes: number,
  bytes = packedBytes(points),
): MetricPoint[][] {
  if (points.length <= 1 || bytes <= maxBytes) return [points.slice()];
  for (let pieces = Math.ceil(bytes / maxBytes); ; pieces++) {
    const size = Math.ceil(points.length / pieces);
    const out: MetricPoint[][] = [];
    for (let start = 0; start < points.length; start += size) out.push(points.slice(start, start + size));
    if (out.every((piece) => packedBytes(piece) <= maxBytes)) return out;
  }
}
