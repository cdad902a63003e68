/**
 * MLflow's wire format: 200 with a JSON object (`{}` when empty), errors as
 * `{"error_code","message"}` with MLflow's codes and statuses, request fields read leniently
 * (unknown ones ignored; a wrong type is INVALID_PARAMETER_VALUE, never a 500).
 */
import * as z from 'zod/mini';
import { isTransientFailure, RegistryError, RetryableStoreError } from '../../errors.js';
import { jsonResponse } from '../../http/json-response.js';
import type { RouteDef } from '../../http/route-table.js';
import { ObjectChangedError } from '../../ports/object-store.js';
import { lazySchema } from '../../schemas.js';

export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'ENDPOINT_NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'RESOURCE_CONFLICT'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'NOT_IMPLEMENTED'
  | 'INTERNAL_ERROR';

const STATUS: Record<MlflowErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  RESOURCE_CONFLICT: 409,
  TEMPORARILY_UNAVAILABLE: 503,
  // MLflow's servers say 501; here a request the registry does not offer is the client's to
  // change (the registry's rule: no 5xx for anything a client sent), the code stays MLflow's.
  NOT_IMPLEMENTED: 400,
  INTERNAL_ERROR: 500,
};

/** An error the layer raises itself, already in MLflow's terms. */
export class MlflowError extends Error {
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MlflowError';
  }
}

export const invalidParam = (message: string) => new MlflowError('INVALID_PARAMETER_VALUE', message);

export const ok = (body: object = {}, status = 200): Response =>
  jsonResponse(body, status, { 'content-type': 'application/json' });

export function mlflowErrorResponse(code: MlflowErrorCode, message: string, headers: Record<string, string> = {}) {
  return jsonResponse({ error_code: code, message }, STATUS[code], { 'content-type': 'application/json', ...headers });
}

/** What a conflict means on a route: a duplicate on creates, otherwise a refused value. */
export type ConflictMeaning = 'exists' | 'invalid';

function codeOf(error: RegistryError, conflict: ConflictMeaning): MlflowErrorCode {
  switch (error.kind) {
    case 'validation':
    case 'payload-too-large':
    case 'unsupported-media-type':
      return 'INVALID_PARAMETER_VALUE';
    case 'unauthorized':
      return 'UNAUTHENTICATED';
    case 'forbidden':
      return 'PERMISSION_DENIED';
    case 'not-found':
      return 'RESOURCE_DOES_NOT_EXIST';
    case 'conflict':
      return conflict === 'exists' ? 'RESOURCE_ALREADY_EXISTS' : 'INVALID_PARAMETER_VALUE';
    case 'precondition-failed':
      return 'RESOURCE_CONFLICT';
    case 'unavailable':
      return 'TEMPORARILY_UNAVAILABLE';
  }
}

/** Maps anything a route threw to MLflow's error format; only the unforeseen is a 500 (and logged). */
export const mlflowErrors =
  (conflict: ConflictMeaning = 'invalid') =>
  (error: unknown, log: (message: string, error: unknown) => void): Response => {
    if (error instanceof MlflowError) return mlflowErrorResponse(error.code, error.message);
    if (error instanceof RegistryError) {
      const headers: Record<string, string> = {};
      if (error.kind === 'unavailable') headers['retry-after'] = String(error.retryAfterSeconds ?? 1);
      if (error.kind === 'unauthorized') headers['www-authenticate'] = 'Bearer';
      return mlflowErrorResponse(codeOf(error, conflict), error.message, headers);
    }
    if (error instanceof RetryableStoreError || isTransientFailure(error) || error instanceof ObjectChangedError)
      return mlflowErrorResponse('TEMPORARILY_UNAVAILABLE', 'the registry is busy; retry shortly', {
        'retry-after': '1',
      });
    log('unexpected error', error);
    return mlflowErrorResponse('INTERNAL_ERROR', 'the registry failed to handle this request; it has been logged');
  };

// ---- reading requests: JSON bodies (protobuf JSON) and GET query strings ----

/** A proto int64 as JSON: a number, or (proto3 JSON) a string of digits. */
export const Int64 = lazySchema(() => z.union([z.int(), z.string().check(z.regex(/^-?[0-9]{1,18}$/))]));
export const Str = lazySchema(() => z.string());
export const TagList = lazySchema(() => z.array(z.object({ key: z.string(), value: z.optional(z.string()) })));

export const toInt = (v: number | string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

/** A required text field: missing or empty is INVALID_PARAMETER_VALUE naming it, as MLflow says it. */
export function required<T>(value: T | undefined | null, name: string): T {
  if (value === undefined || value === null || value === '')
    throw invalidParam(`Missing value for required parameter '${name}'.`);
  return value;
}

/** GET fields: one value (the last if repeated), or every value of a repeated key. */
export const queryOf = (q: URLSearchParams) => ({
  one: (name: string): string | undefined => {
    const all = q.getAll(name);
    return all.length > 0 ? all[all.length - 1] : undefined;
  },
  all: (name: string): string[] => q.getAll(name),
  int: (name: string): number | undefined => {
    const all = q.getAll(name);
    const raw = all[all.length - 1];
    if (raw === undefined || raw === '') return undefined;
    if (!/^-?[0-9]{1,18}$/.test(raw)) throw invalidParam(`Invalid value '${raw}' for parameter '${name}'.`);
    return Number(raw);
  },
});

/** `max_results`: capped at 1000, not refused (MLflow's servers cap it too); zero or less is refused. */
export function pageSizeParam(maxResults: number | undefined, fallback: number): string {
  if (maxResults === undefined) return String(fallback);
  if (maxResults < 1) throw invalidParam(`Invalid value ${maxResults} for parameter 'max_results': must be positive.`);
  return String(Math.min(maxResults, 1000));
}

/** A page as MLflow lists it: `next_page_token` only when more follows. */
export const withToken = <T extends object>(body: T, token: string | null): T & { next_page_token?: string } =>
  token ? { ...body, next_page_token: token } : body;

/** Tag lists `[{key,value}]` <-> maps. */
export const tagList = (tags: Record<string, string>, hide: (key: string) => boolean = () => false) =>
  Object.entries(tags)
    .filter(([k]) => !hide(k))
    .map(([key, value]) => ({ key, value }));

/** `[{key,value}]` (MLflow's tags and params) as a map; a missing value is empty. */
export const tagMap = (list: Array<{ key: string; value?: string | undefined }> | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((p) => [p.key, p.value ?? '']));

export const ms = (iso: string | null | undefined): number | undefined =>
  iso === null || iso === undefined ? undefined : Date.parse(iso);

export type MlflowRoute = RouteDef;

/**
 * Checks what the layer hands the core against the native API's own request schema, so the
 * layer refuses exactly what the native API refuses (as INVALID_PARAMETER_VALUE).
 */
export function native<T>(schema: () => z.ZodMiniType<T>, value: unknown): T {
  const parsed = schema().safeParse(value);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'value'}: ${i.message}`)
    .join('; ');
  throw invalidParam(`Invalid value: ${why}`);
}
