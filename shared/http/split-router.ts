/**
 * Two routers, split by a path's first segment. Hono's compiled RegExpRouter refuses a route
 * table where one method has a literal and a parameter side by side (the MLflow API's
 * `POST …/logged-models/search` beside `POST …/logged-models/{modelId}/params`), and Hono's
 * SmartRouter then falls back to the TrieRouter for every route, the registry's own included:
 * about 5% of a model read's CPU on the local server. Split by first segment, each family gets
 * the fastest router that holds it.
 *
 * Each router holds every route that can match its paths, in the order they were added: a
 * pattern whose first segment is not a literal (`*`, `/:x/…`) goes to both. A request consults
 * one router, so the order Hono relies on (middleware before handlers) is kept.
 */
import type { Result, Router } from 'hono/router';

/** The first segment of a path (`/api/2.0/x` -> `api`). */
export function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

/** A pattern's first segment when it is a plain literal; undefined for parameters and wildcards. */
function literalFirstSegment(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return undefined;
  const segment = firstSegment(pattern);
  return /[:*{?]/.test(segment) ? undefined : segment;
}

export class SplitRouter<T> implements Router<T> {
  readonly name = 'SplitRouter';
  private readonly segments: ReadonlySet<string>;

  /** Paths whose first segment is one of `segments` go to `inside`, all others to `outside`. */
  constructor(
    segments: readonly string[],
    readonly inside: Router<T>,
    readonly outside: Router<T>,
  ) {
    this.segments = new Set(segments);
  }

  add(method: string, path: string, handler: T): void {
    const first = literalFirstSegment(path);
    if (first === undefined || this.segments.has(first)) this.inside.add(method, path, handler);
    if (first === undefined || !this.segments.has(first)) this.outside.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    return (this.segments.has(firstSegment(path)) ? this.inside : this.outside).match(method, path);
  }
}
