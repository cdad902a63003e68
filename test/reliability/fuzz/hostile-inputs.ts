/**
 * Inputs behind MLflow's path-traversal and SSRF CVEs (and their usual variants), offered
 * wherever the registry takes a name, a path or a source: relative and absolute traversal,
 * backslashes, percent and double encoding, `;` parameters, `#`/`?` tricks, `/proc/self/root`,
 * `file://`, cloud metadata URLs, NUL and overlong UTF-8.
 */
export const HOSTILE_SEGMENTS: readonly string[] = [
  '..',
  '../',
  '../../etc/passwd',
  '..\\',
  '..\\..\\windows\\win.ini',
  '%2e%2e',
  '%2e%2e%2f',
  '%2e%2e/%2e%2e/etc/passwd',
  '%252e%252e%252f',
  '..%2f',
  '..%5c',
  '..%252f',
  '.%2e',
  '%c0%ae%c0%ae/',
  '..;/',
  'model;jsessionid=1',
  'a;b=../c',
  'a#b',
  '#',
  '#../x',
  'a?b',
  '?x=../1',
  '//proc/self/root',
  '/proc/self/root/etc/passwd',
  '/etc/passwd',
  'C:\\Windows\\win.ini',
  'C:/x',
  'file:///etc/passwd',
  'file://x/y',
  'http://169.254.169.254/latest/meta-data/',
  'http://169.254.169.254',
  'http://[::ffff:a9fe:a9fe]/',
  's3://other-bucket/key',
  '....//....//',
  'a\u0000b',
  '..\u0000/',
  '\u202egnp.exe',
  '.',
  '~root',
];

/** Values a client could send as an artifact *source* or URI-like field. */
export const HOSTILE_SOURCES: readonly string[] = HOSTILE_SEGMENTS.filter((s) => /[:/\\%]/.test(s));

/**
 * Segments that are hostile as a model name (every one: names are `[A-Za-z0-9._-]`, not `.`
 * or `..`) but are ordinary file names inside a version: `;`, `=` and `~` are plain
 * characters in a relative POSIX path, and `a;b=..` is one segment, not a `..`.
 */
export const ORDINARY_FILE_NAMES: ReadonlySet<string> = new Set(['model;jsessionid=1', 'a;b=../c', '~root']);

/** Whether the drop-in `incoming/<model>/<path>` names a hostile model or file path. */
export function hostileDropIn(model: string, path: string): boolean {
  return HOSTILE_SEGMENTS.includes(model) || (HOSTILE_SEGMENTS.includes(path) && !ORDINARY_FILE_NAMES.has(path));
}
