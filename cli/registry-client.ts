/** A small typed client of the registry's HTTP API (what the CLI and the benchmarks use). */
export interface ClientOptions {
  baseUrl: string;
  token?: string;
}

export class RegistryRequestError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; errors?: Array<{ field: string; message: string }> },
  ) {
    super(`${status} ${problem.title ?? ''}: ${problem.detail ?? ''}`.trim());
    this.name = 'RegistryRequestError';
  }
}

export interface UploadInstruction {
  path: string;
  method?: 'PUT';
  url?: string;
  headers?: Record<string, string>;
  multipart?: { uploadId: string; partSize: number; partCount: number };
}

export interface VersionView {
  model: string;
  version: number;
  state: string;
  files: Array<{ path: string; size: number; sha256: string }>;
  verification?: { status: string; reasons: string[] };
  [key: string]: unknown;
}

export class RegistryClient {
  constructor(private readonly options: ClientOptions) {}

  async call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.options.baseUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: {
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : {};
    if (res.status >= 400) throw new RegistryRequestError(res.status, parsed as RegistryRequestError['problem']);
    return { status: res.status, body: parsed as T };
  }

  static modelPath = (model: string) => `/v1/models/${encodeURIComponent(model)}`;
  static filePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');
}
