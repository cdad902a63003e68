/** Pure parts of metric logging: the packed chunk format and the fast path of a batch's validation. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptLogMetrics } from '../../shared/log-metrics-fast-path.js';
import { LogMetricsRequest, METRIC_STEP, METRIC_TIMESTAMP } from '../../shared/schemas.js';
import {
  comparePoints,
  decodeChunk,
  encodeChunk,
  type MetricPoint,
  mergePoints,
  packedBytes,
  splitPoints,
} from '../../shared/service/tracking/metric-chunk.js';

const point = fc.record({
  step: fc.integer({ min: METRIC_STEP.min, max: METRIC_STEP.max }),
  timestamp: fc.integer({ min: METRIC_TIMESTAMP.min, max: METRIC_TIMESTAMP.max }),
  value: fc.double(),
});
const ascending = (points: MetricPoint[]) => {
  const sorted = [...points].sort(comparePoints);
  return sorted.filter((p, i) => i === 0 || comparePoints(sorted[i - 1] as MetricPoint, p) !== 0);
};
const sameValues = (a: MetricPoint[], b: MetricPoint[]) =>
  a.length === b.length &&
  a.every((p, i) => comparePoints(p, b[i] as MetricPoint) === 0 && Object.is(p.value, b[i]?.value));

describe('packed metric chunks', () => {
  it('round-trip any ascending points, extremes, NaN, ±Infinity and -0 included, in the size they predict', () => {
    fc.assert(
      fc.property(fc.array(point, { maxLength: 300 }), (raw) => {
        const points = ascending(raw);
        const text = encodeChunk(points);
        expect(sameValues(decodeChunk(text), points)).toBe(true);
        expect(Buffer.from(text, 'base64').length).toBe(packedBytes(points));
      }),
    );
    const extremes = [
      { step: METRIC_STEP.min, timestamp: 0, value: Number.NaN },
      { step: METRIC_STEP.min, timestamp: METRIC_TIMESTAMP.max, value: -0 },
      { step: METRIC_STEP.max, timestamp: 0, value: Number.NEGATIVE_INFINITY },
      { step: METRIC_STEP.max, timestamp: METRIC_TIMESTAMP.max, value: Number.MAX_VALUE },
    ];
    expect(sameValues(decodeChunk(encodeChunk(extremes)), extremes)).toBe(true);
  });

  it('pack a training series to about 11 bytes a point', () => {
    const points = Array.from({ length: 1000 }, (_, i) => ({
      step: i,
      timestamp: 1_700_000_000_000 + i * 50,
      value: 1 / (i + 1),
    }));
    expect(packedBytes(points) / points.length).toBeLessThan(11.5);
  });

  it('refuse text that is not a chunk', () => {
    expect(() => decodeChunk(Buffer.from([2, 0]).toString('base64'))).toThrow('unknown format');
    expect(() => decodeChunk(encodeChunk([{ step: 1, timestamp: 1, value: 1 }]).slice(0, 4))).toThrow();
  });

  it('merge: an incoming point replaces the one at its position; unchanged when every point is already there', () => {
    fc.assert(
      fc.property(fc.array(point, { maxLength: 60 }), fc.array(point, { maxLength: 60 }), (a, b) => {
        const into = ascending(a);
        const incoming = ascending(b);
        const { points, changed } = mergePoints(into, incoming);
        const expected = new Map(into.map((p) => [`${p.step}#${p.timestamp}`, p]));
        for (const p of incoming) expected.set(`${p.step}#${p.timestamp}`, p);
        expect(sameValues(points, ascending([...expected.values()]))).toBe(true);
        expect(mergePoints(points, incoming).changed).toBe(false);
        if (!changed) expect(sameValues(points, into)).toBe(true);
      }),
    );
  });

  it('split into even pieces within the size, in order', () => {
    fc.assert(
      fc.property(
        fc.array(point, { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 200, max: 3000 }),
        (raw, max) => {
          const points = ascending(raw);
          const pieces = splitPoints(points, max);
          expect(pieces.flat()).toEqual(points);
          for (const piece of pieces) expect(piece.length === 1 || packedBytes(piece) <= max).toBe(true);
        },
      ),
    );
  });
});

describe('the fast path of a metric batch', () => {
  const validKey = fc.oneof(
    fc.constantFrom('loss', 'a/b', 'with space', 'x'.repeat(250)),
    fc.stringMatching(/^[a-z._-]{1,8}$/),
  );
  const badKey = fc.constantFrom('x'.repeat(251), '', 'a/../b', '..', 'ü', 'a\nb', 7, null);
  const validInt = (range: { min: number; max: number }) =>
    fc.oneof(fc.integer({ min: range.min, max: range.max }), fc.constantFrom(range.min, range.max, 0, -0));
  const badInt = (range: { min: number; max: number }) =>
    fc.constantFrom(range.min - 1, range.max + 1, 1.5, Number.MAX_SAFE_INTEGER + 2, '1', null);
  const validValue = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom('NaN', 'Infinity', '-Infinity'),
  );
  const badValue = fc.constantFrom('nan', '1', null, true, Number.POSITIVE_INFINITY, Number.NaN, {});
  const validPoint = fc.record(
    { key: validKey, value: validValue, step: validInt(METRIC_STEP), timestamp: validInt(METRIC_TIMESTAMP) },
    { requiredKeys: ['key', 'value'] },
  );
  // A valid point with one thing wrong.
  const badPoint = fc.oneof(
    fc.tuple(validPoint, badKey).map(([p, key]) => ({ ...p, key })),
    fc.tuple(validPoint, badValue).map(([p, value]) => ({ ...p, value })),
    fc.tuple(validPoint, badInt(METRIC_STEP)).map(([p, step]) => ({ ...p, step })),
    fc.tuple(validPoint, badInt(METRIC_TIMESTAMP)).map(([p, timestamp]) => ({ ...p, timestamp })),
    validPoint.map((p) => ({ ...p, extra: 1 })),
    validPoint.map(({ key: _key, ...p }) => p),
    validPoint.map(({ value: _value, ...p }) => p),
    fc.constantFrom(null, [], 'x'),
  );
  const body = fc.oneof(
    { weight: 4, arbitrary: fc.record({ metrics: fc.array(validPoint, { minLength: 1, maxLength: 6 }) }) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.array(validPoint, { maxLength: 5 }), badPoint, fc.array(validPoint, { maxLength: 5 }))
        .map(([before, bad, after]) => ({ metrics: [...before, bad, ...after] })),
    },
    { weight: 1, arbitrary: fc.record({ metrics: fc.array(validPoint, { maxLength: 3 }), other: fc.constant(1) }) },
    { weight: 1, arbitrary: fc.constantFrom(null, [], 'x', { metrics: 'x' }, { metrics: [] }, {}) },
  );

  it('accepts exactly what the schema accepts, as the schema would return it', () => {
    let valid = 0;
    fc.assert(
      fc.property(body, (b) => {
        const parsed = LogMetricsRequest().safeParse(b);
        const accepted = acceptLogMetrics(b);
        expect(accepted !== undefined).toBe(parsed.success);
        if (accepted !== undefined) expect(accepted).toEqual(parsed.data);
        if (parsed.success) valid++;
      }),
      { numRuns: 3000 },
    );
    // Both verdicts were exercised, not only refusals.
    expect(valid).toBeGreaterThan(600);
  });
});
