/** Checks path parameters before they reach the service, so every bad name is a 400 naming its field. */
import { filePathProblem, modelNameProblem } from '../domain/names.js';
import { invalid } from '../errors.js';

/**
 * Decodes the rest-of-path parameter segment by segment, exactly once, from the raw URL
 * path, then applies the file-path rule. A segment that decodes to `/` or fails to decode
 * is rejected, so `%2F`, `%2e%2e` and double encoding cannot smuggle a traversal through.
 */
export function decodeRestOfPath(rawRest: string, field = 'path'): string {
  const segments = rawRest.split('/').map((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw invalid(field, 'is not valid percent-encoding');
    }
    if (decoded.includes('/')) throw invalid(field, 'a segment must not encode "/"');
    return decoded;
  });
  const path = segments.join('/');
  const problem = filePathProblem(path);
  if (problem) throw invalid(field, problem);
  return path;
}

/** Decodes one raw path segment once; fails on bad encoding or an encoded `/`. */
export function decodeSegment(raw: string, field: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw invalid(field, 'is not valid percent-encoding');
  }
  if (decoded.includes('/')) throw invalid(field, 'must not contain "/"');
  if (decoded.length > 300) throw invalid(field, 'is too long');
  return decoded;
}

export function checkModelParam(name: string): void {
  const problem = modelNameProblem(name);
  if (problem) throw invalid('model', problem);
}
