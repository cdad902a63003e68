/**
 * Azure Table keys may not contain `/ \ # ?` or control characters (U+0000-U+001F,
 * U+007F-U+009F). The registry's keys do (`M#name`, metric keys, odd model paths), so they are
 * escaped here in a way that keeps ascending order and prefixes intact: the core relies on
 * both (prefix queries, newest-first from inverted numbers).
 *
 * Each forbidden character joins a "cluster" with one adjacent allowed character, the
 * cluster's escape. Every member of a cluster (the escape included) is written as the escape
 * followed by a fixed-width, order-preserving code. Because a cluster is a contiguous run of
 * code points, an escaped character still sorts between its neighbours; because the codes
 * have a fixed width, no encoded character is a prefix of another, so encoded strings compare
 * exactly as the originals do and `encode(p)` is a prefix of `encode(s)` iff `p` is a prefix of `s`.
 */

interface Cluster {
  /** The allowed character that introduces every escaped member of the cluster. */
  escape: string;
  /** First and last code point of the contiguous run (the escape is inside it). */
  first: number;
  last: number;
  /** Code width in hex digits: enough for `last - first`. */
  width: number;
}

const CLUSTERS: readonly Cluster[] = [
  { escape: ' ', first: 0x00, last: 0x20, width: 2 }, // control characters + space
  { escape: '"', first: 0x22, last: 0x23, width: 1 }, // " #
  { escape: '.', first: 0x2e, last: 0x2f, width: 1 }, // . /
  { escape: '>', first: 0x3e, last: 0x3f, width: 1 }, // > ?
  { escape: ']', first: 0x5c, last: 0x5d, width: 1 }, // \ ]
  { escape: '~', first: 0x7e, last: 0x9f, width: 2 }, // ~ + C1 controls
];

const clusterOf = (codePoint: number): Cluster | undefined =>
  CLUSTERS.find((c) => codePoint >= c.first && codePoint <= c.last);
const byEscape = new Map(CLUSTERS.map((c) => [c.escape, c]));

/** Encodes a registry key into an Azure Table key (order- and prefix-preserving). */
export function encodeTableKey(key: string): string {
  let out = '';
  for (const ch of key) {
    const codePoint = ch.codePointAt(0) ?? 0;
    const cluster = clusterOf(codePoint);
    out += cluster
      ? cluster.escape + (codePoint - cluster.first).toString(16).toUpperCase().padStart(cluster.width, '0')
      : ch;
  }
  return out;
}

/** The inverse of `encodeTableKey`. Throws on text that no key encodes to. */
export function decodeTableKey(encoded: string): string {
  let out = '';
  for (let i = 0; i < encoded.length; ) {
    const ch = encoded[i] ?? '';
    const cluster = byEscape.get(ch);
    if (!cluster) {
      const codePoint = encoded.codePointAt(i) ?? 0;
      out += String.fromCodePoint(codePoint);
      i += codePoint > 0xffff ? 2 : 1;
      continue;
    }
    const code = encoded.slice(i + 1, i + 1 + cluster.width);
    const offset = Number.parseInt(code, 16);
    if (code.length !== cluster.width || !/^[0-9A-F]+$/.test(code) || cluster.first + offset > cluster.last)
      throw new Error(`not an encoded table key: ${JSON.stringify(encoded)}`);
    out += String.fromCodePoint(cluster.first + offset);
    i += 1 + cluster.width;
  }
  return out;
}

/**
 * The smallest string greater than every string that starts with `prefix` (for a `lt` bound):
 * the prefix with its last code point replaced by the next one in UTF-16 order, which is how
 * Azure Table compares. That order runs U+0000-U+D7FF, then U+10000-U+10FFFF (surrogate pairs,
 * units 0xD800-0xDFFF), then U+E000-U+FFFF; so U+FFFF is the one maximum and U+10FFFF is
 * followed by U+E000. The bound stays well-formed, so it survives the trip through UTF-8.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const chars = [...prefix];
  while (chars.length > 0) {
    const last = chars.pop()?.codePointAt(0) ?? 0;
    if (last === 0xffff) continue;
    const next = last === 0xd7ff ? 0x10000 : last === 0x10ffff ? 0xe000 : last + 1;
    return chars.join('') + String.fromCodePoint(next);
  }
  return undefined;
}
