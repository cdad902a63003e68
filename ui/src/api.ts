/**
 * The registry's public API, called as the signed-in user: same origin, JSON bodies with
 * `Content-Type: application/json`, the bearer token where there is one, the session cookie
 * (App Service) otherwise. Problems (RFC 9457) become errors that say what happened in words.
 */
import { currentToken, forgetToken } from './auth.js';

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  issues?: { field: string; message: string }[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(describeProblem(problem));
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }
}

/** The API answered 401: the user must sign in (again). */
export class SignInRequired extends Error {
  constructor(readonly expired: boolean) {
    super(expired ? 'Your session has expired. Sign in again.' : 'Sign in to see the registry.');
    this.name = 'SignInRequired';
  }
}

const WORDS: Record<number, string> = {
  400: 'The registry refused this input',
  403: 'You are not allowed to do this: your account lacks the scope or role it needs (protected aliases and approval need registry.admin; a model with maintainers takes changes only from them)',
  404: 'Not found',
  409: 'This conflicts with the current state',
  412: 'Someone changed this since the page loaded it; reload and try again',
  413: 'The request is too large',
  503: 'The registry is busy; try again in a moment',
};

export function describeProblem(p: Problem): string {
  const words = WORDS[p.status] ?? `The registry answered HTTP ${p.status}${p.title ? ` (${p.title})` : ''}`;
  const detail = p.detail ? `: ${p.detail}` : '';
  return `${words}${detail}.`.replace(/\.\.$/, '.');
}

let onSignInRequired: (error: SignInRequired) => void = () => undefined;
/** The app shows sign-in (or goes to the platform's login) whenever a call answers 401. */
export const whenSignInRequired = (handler: (error: SignInRequired) => void): void => {
  onSignInRequired = handler;
};

export interface ApiResult<T> {
  data: T;
  etag: string | undefined;
}

export async function call<T>(
  method: string,
  path: string,
  options: { body?: unknown; ifMatch?: string; signal?: AbortSignal } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = currentToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.ifMatch) headers['if-match'] = `"${options.ifMatch}"`;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (res.status === 401) {
    if (token) forgetToken();
    const error = new SignInRequired(token !== undefined);
    onSignInRequired(error);
    throw error;
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const p = (body ?? {}) as Partial<Problem>;
    throw new ApiError({ ...p, status: res.status });
  }
  const etag =
    res.headers
      .get('etag')
      ?.replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1') ?? undefined;
  return { data: body as T, etag };
}

export const get = <T>(path: string, signal?: AbortSignal): Promise<ApiResult<T>> =>
  call<T>('GET', path, signal ? { signal } : {});

/** `/v1/models/a b/...`: each segment encoded once, as the API decodes them. */
export const apiPath = (...segments: (string | number)[]): string =>
  `/v1/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;

export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

export function pageQuery(params: { pageSize?: number; pageToken?: string | null; filter?: string }): string {
  const q = new URLSearchParams();
  if (params.pageSize) q.set('pageSize', String(params.pageSize));
  if (params.pageToken) q.set('pageToken', params.pageToken);
  if (params.filter) q.set('filter', params.filter);
  const text = q.toString();
  return text ? `?${text}` : '';
}
