/** RFC 9457 problem details: every error leaves the API as application/problem+json with a stable type. */
import type { ErrorKind, FieldIssue } from '../errors.js';
import { ConditionFailedError, isTransientFailure, RegistryError, RetryableStoreError } from '../errors.js';
import { ObjectChangedError } from '../ports/object-store.js';
import { jsonResponse } from './json-response.js';

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'precondition-failed': 412,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  unavailable: 503,
};

const TITLE: Record<ErrorKind, string> = {
  validation: 'Invalid request',
  unauthorized: 'Authentication required',
  forbidden: 'Not allowed',
  'not-found': 'Not found',
  conflict: 'Conflict',
  'precondition-failed': 'Precondition failed',
  'payload-too-large': 'Payload too large',
  'unsupported-media-type': 'Unsupported media type',
  unavailable: 'Temporarily unavailable',
};

export const problemType = (kind: string): string => `urn:mreg:problem:${kind}`;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldIssue[];
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return jsonResponse(problem, problem.status, { 'content-type': 'application/problem+json', ...headers });
}

export function problemOf(kind: ErrorKind, detail: string, errors: FieldIssue[] = []): Problem {
  const problem: Problem = { type: problemType(kind), title: TITLE[kind], status: STATUS[kind], detail };
  if (errors.length > 0) problem.errors = errors;
  return problem;
}

/** Maps any thrown value to a response; only errors the registry did not anticipate become a 500. */
export function errorResponse(error: unknown, log: (message: string, error: unknown) => void): Response {
  if (error instanceof RegistryError) {
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    else if (error.kind === 'unavailable') headers['retry-after'] = '1';
    if (error.kind === 'unauthorized') headers['www-authenticate'] = 'Bearer';
    return problemResponse(problemOf(error.kind, error.message, error.issues), headers);
  }
  // Store-level outcomes a client can simply retry: contention, throttling, a changed object.
  if (error instanceof RetryableStoreError)
    return problemResponse(problemOf('unavailable', 'the registry is busy; retry shortly'), { 'retry-after': '1' });
  if (isTransientFailure(error)) {
    log('storage unreachable', error);
    return problemResponse(problemOf('unavailable', 'storage did not answer; retry shortly'), { 'retry-after': '1' });
  }
  if (error instanceof ConditionFailedError || error instanceof ObjectChangedError)
    return problemResponse(problemOf('conflict', 'a concurrent change got there first; retry'), { 'retry-after': '1' });
  log('unexpected error', error);
  return problemResponse({
    type: problemType('internal'),
    title: 'Internal error',
    status: 500,
    detail: 'the registry failed to handle this request; it has been logged',
  });
}
