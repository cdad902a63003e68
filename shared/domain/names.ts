/**
 * The naming rules of the registry, in one place. Every name, path or reference a client
 * sends passes through one of these before it touches a key, a URL or a storage path.
 */
const NAME_RE = /^[A-Za-z0-9._-]{1,128}$/;
const LABEL_RE = /^[A-Za-z0-9._+-]{1,128}$/;
/** Bidi overrides, zero-width and BOM characters: invisible in a UI, different in a key. */
const INVISIBLE_RE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_RE = /[\u0000-\u001F\u007F-\u009F]/;

export const RESERVED_REF_WORDS = new Set(['latest', 'alias', 'label', 'draft', 'all', 'none']);

/** Returns why `name` is not a valid model (or experiment) name, or undefined when it is. */
export function modelNameProblem(name: string): string | undefined {
  if (!NAME_RE.test(name)) return 'must be 1-128 characters of A-Z a-z 0-9 . _ -';
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  return undefined;
}

/**
 * Experiment names are display names (MLflow users write "/Users/me/churn model"): 1-256
 * characters, no control or invisible characters. They are keys only through the adapters'
 * own key encoding, never paths.
 */
export function experimentNameProblem(name: string): string | undefined {
  if (name.length < 1 || name.length > 256) return 'must be 1-256 characters';
  if (name.trim() !== name) return 'must not start or end with white space';
  if (CONTROL_RE.test(name) || INVISIBLE_RE.test(name)) return 'must not contain control or invisible characters';
  return undefined;
}

export function aliasNameProblem(name: string): string | undefined {
  const base = modelNameProblem(name);
  if (base) return base;
  if (/^[0-9]+$/.test(name)) return 'must not be numeric (it would read as a version number)';
  if (name.startsWith('-')) return 'must not start with "-" (it would read as a relative version)';
  if (RESERVED_REF_WORDS.has(name.toLowerCase())) return `"${name}" is a reserved word`;
  return undefined;
}

export function labelProblem(label: string): string | undefined {
  if (!LABEL_RE.test(label)) return 'must be 1-128 characters of A-Z a-z 0-9 . _ + -';
  if (label === '.' || label === '..') return 'must not be "." or ".."';
  return undefined;
}

/**
 * A file path inside a version: a relative POSIX path of 1-1024 bytes, non-empty segments,
 * none "." or "..", and no backslash, percent sign, control or invisible character, `#`, `?`,
 * or drive letter. Kept strict because paths become storage keys and download file names.
 */
export function filePathProblem(path: string): string | undefined {
  const bytes = new TextEncoder().encode(path).length;
  if (bytes < 1 || bytes > 1024) return 'must be 1-1024 bytes';
  if (path.startsWith('/')) return 'must be relative (no leading "/")';
  if (/^[A-Za-z]:/.test(path)) return 'must not start with a drive letter';
  if (/[\\%#?]/.test(path)) return 'must not contain "\\", "%", "#" or "?"';
  if (CONTROL_RE.test(path)) return 'must not contain control characters';
  if (INVISIBLE_RE.test(path)) return 'must not contain invisible or bidirectional control characters';
  if (path.normalize('NFC') !== path) return 'must be in Unicode NFC form';
  for (const segment of path.split('/')) {
    if (segment === '') return 'must not contain empty segments ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return 'must not contain "." or ".." segments';
  }
  return undefined;
}

export function tagKeyProblem(key: string): string | undefined {
  if (key.length < 1 || key.length > 250) return 'tag keys must be 1-250 characters';
  if (CONTROL_RE.test(key) || INVISIBLE_RE.test(key)) return 'tag keys must not contain control characters';
  return undefined;
}
