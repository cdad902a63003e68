/** Parsers for argument values: `k=v` tags, `k=json` properties, sizes, durations, `MODEL@REF`. */
import { InvalidArgumentError } from 'commander';

/** Collects repeated `--tag k=v` into an object. */
export function keyValue(raw: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = raw.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected key=value, got "${raw}"`);
  return { ...previous, [raw.slice(0, at)]: raw.slice(at + 1) };
}

/** Collects repeated `--property k=json`; a value that is not JSON is kept as a string. */
export function keyJson(raw: string, previous: Record<string, unknown> = {}): Record<string, unknown> {
  const at = raw.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected key=json, got "${raw}"`);
  const text = raw.slice(at + 1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  return { ...previous, [raw.slice(0, at)]: value };
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `64MiB`, `64M`, `64MB` (powers of 1024, as `aws s3` reads them) or plain bytes. */
export function size(raw: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(raw);
  if (!m) throw new InvalidArgumentError(`expected a size such as 8MiB, 64M or 1GiB, got "${raw}"`);
  return Math.round(Number(m[1]) * (SIZE_UNITS[(m[2] ?? '').toLowerCase()] ?? 1));
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90s`, `30m`, `1h`, `7d`, `2w`, or plain seconds; combinations like `1h30m` too. */
export function duration(raw: string): number {
  if (/^\d+$/.test(raw.trim())) return Number(raw);
  let total = 0;
  const rest = raw.trim().replace(/(\d+)\s*([smhdw])/gi, (_, n: string, unit: string) => {
    total += Number(n) * (DURATION_UNITS[unit.toLowerCase()] ?? 0);
    return '';
  });
  if (rest.trim() !== '' || total <= 0)
    throw new InvalidArgumentError(`expected a duration such as 90s, 30m, 1h or 7d, got "${raw}"`);
  return total;
}

export function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number from 1, got "${raw}"`);
  return n;
}

/** `fraud`, `fraud@3`, `fraud@-1`, `fraud@champion`, `fraud@label:1.2.0` (model names hold no `@`). */
export function modelRef(raw: string, fallbackRef = 'latest'): { model: string; ref: string } {
  const at = raw.indexOf('@');
  if (at < 0) return { model: raw, ref: fallbackRef };
  const model = raw.slice(0, at);
  const ref = raw.slice(at + 1);
  if (!model || !ref) throw new InvalidArgumentError(`expected MODEL or MODEL@REF, got "${raw}"`);
  return { model, ref };
}
