/** The Azure Table key escaping: property tests for round trips, forbidden characters, order and prefixes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTableKey, encodeTableKey, prefixUpperBound } from '../../functions/azure/table-keys.js';

/** Characters Azure Table forbids in PartitionKey and RowKey. */
const forbidden = (ch: string): boolean => {
  const c = ch.codePointAt(0) ?? 0;
  return '/\\#?'.includes(ch) || c <= 0x1f || (c >= 0x7f && c <= 0x9f);
};

/** Code points weighted towards the escaped ranges and their neighbours, plus any other scalar value. */
const char = fc.oneof(
  fc.constantFrom(
    ...' !"#$-./0>?@[\\]^~\u007f\u0080\u009f\u00a0\u0000\u001f\uffff\ud7ff'.split(''),
    '🚀',
    '模',
    '\u{10ffff}',
    '\ue000',
  ),
  fc
    .integer({ min: 0, max: 0x10ffff })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCodePoint(c)),
);
const key = fc.array(char, { maxLength: 12 }).map((chars) => chars.join(''));
/** Azure Table (and Azurite) compare keys as UTF-16 code units, as JavaScript does. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('Azure Table key encoding', () => {
  it('round-trips and never emits a forbidden character', () => {
    fc.assert(
      fc.property(key, (k) => {
        const encoded = encodeTableKey(k);
        expect([...encoded].filter(forbidden)).toEqual([]);
        expect(decodeTableKey(encoded)).toBe(k);
      }),
    );
  });

  it('keeps the order of any two keys', () => {
    fc.assert(fc.property(key, key, (a, b) => compare(encodeTableKey(a), encodeTableKey(b)) === compare(a, b)));
  });

  it('keeps prefixes: encode(p) starts encode(s) exactly when p starts s', () => {
    fc.assert(
      fc.property(key, key, (p, rest) => {
        expect(encodeTableKey(p + rest).startsWith(encodeTableKey(p))).toBe(true);
      }),
    );
    fc.assert(fc.property(key, key, (p, s) => encodeTableKey(s).startsWith(encodeTableKey(p)) === s.startsWith(p)));
  });

  it('bounds a prefix range: [encode(p), upper) holds exactly the keys starting with p', () => {
    fc.assert(
      fc.property(key, key, (p, s) => {
        const lower = encodeTableKey(p);
        const upper = prefixUpperBound(lower);
        const encoded = encodeTableKey(s);
        const inRange = encoded >= lower && (upper === undefined || encoded < upper);
        return inRange === s.startsWith(p);
      }),
      { numRuns: 2000 },
    );
  });

  it('escapes the registry’s own separators readably and leaves plain keys alone', () => {
    expect(encodeTableKey('V#000000000123')).toBe('V"1000000000123');
    expect(encodeTableKey('M#fraud-model_v2')).toBe('M"1fraud-model_v2');
    expect(encodeTableKey('a/b\\c?d')).toBe('a.1b]0c>1d');
    expect(encodeTableKey('plain')).toBe('plain');
  });

  it('refuses text that no key encodes to', () => {
    expect(() => decodeTableKey('"9')).toThrow(/not an encoded table key/);
    expect(() => decodeTableKey('~')).toThrow(/not an encoded table key/);
  });

  it('has no upper bound for a prefix of maximal characters only', () => {
    expect(prefixUpperBound('')).toBeUndefined();
    expect(prefixUpperBound('\uffff')).toBeUndefined();
    expect(prefixUpperBound('a\uffff')).toBe('b');
    expect(prefixUpperBound('a\ud7ff')).toBe('a\u{10000}');
    // U+10FFFF is a surrogate pair, below U+E000 in UTF-16 order (fast-check seed 742204969).
    expect(prefixUpperBound('\u{10ffff}')).toBe('\ue000');
    expect(prefixUpperBound('\u{10ffff}\uffff')).toBe('\ue000');
  });
});
