/**
 * What one run of `mreg` has at hand: the global flags, the configuration they resolve to
 * (with each value's origin), the registry client, the output, progress bars, and the
 * explanations that turn an HTTP error into a sentence with a next step.
 */
import { distance } from 'fastest-levenshtein';
import { describeOrigin, type ResolvedConfig, resolveConfig } from './config.js';
import { CliError, EXIT, RegistryRequestError, UnreachableError } from './errors.js';
import { Output, outputMode } from './output.js';
import { byteProgress } from './progress.js';
import type { ProgressFactory } from './push.js';
import { RegistryClient } from './registry-client.js';

export interface GlobalFlags {
  url?: string;
  token?: string;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

const TITLES = { hashing: 'hashing', uploading: 'uploading', downloading: 'downloading' } as const;

export class Invocation {
  readonly out: Output;
  private resolved: ResolvedConfig | undefined;
  private registry: RegistryClient | undefined;

  constructor(readonly flags: GlobalFlags) {
    this.out = new Output(outputMode(flags));
  }

  get config(): ResolvedConfig {
    if (!this.resolved) {
      this.resolved = resolveConfig({
        ...(this.flags.url !== undefined ? { url: this.flags.url } : {}),
        ...(this.flags.token !== undefined ? { token: this.flags.token } : {}),
      });
      for (const warning of this.resolved.warnings) this.out.warn(warning);
    }
    return this.resolved;
  }

  get client(): RegistryClient {
    if (!this.registry) {
      const { url, token } = this.config;
      try {
        const parsed = new URL(url.value);
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
      } catch {
        throw new CliError(
          `the registry URL "${url.value}" (${describeOrigin(url)}) is not an http(s) URL`,
          EXIT.usage,
        );
      }
      this.registry = new RegistryClient({
        baseUrl: url.value,
        ...(token.value ? { token: token.value } : {}),
      });
    }
    return this.registry;
  }

  readonly progress: ProgressFactory = (phase, total) => byteProgress(this.out, TITLES[phase], total);

  readonly notify = (message: string) => this.out.note(message);

  /** Turns an error into what a person can act on: where the URL came from, which scope, which name was meant. */
  async explain(error: unknown): Promise<CliError> {
    if (error instanceof UnreachableError) {
      const { url } = this.config;
      return new CliError(
        `cannot reach the registry at ${error.url} (${describeOrigin(url)}): ${error.reason}`,
        EXIT.error,
        [
          url.source === 'default'
            ? 'start a local registry with `npm start`, or point mreg at yours: --url, MREG_URL or `mreg login URL`'
            : `is the registry running there? Change the URL with --url, MREG_URL or \`mreg login URL\``,
        ],
        { cause: error },
      );
    }
    if (!(error instanceof RegistryRequestError)) return error instanceof CliError ? error : asInternal(error);
    const { token } = this.config;
    const detail = error.problem.detail ?? error.problem.title ?? '';
    if (error.status === 401)
      return new CliError(
        `the registry at ${this.client.baseUrl} needs a valid token (401)`,
        EXIT.auth,
        token.value
          ? [
              `the token ${describeOrigin(token)} was refused: it may be expired or for another registry`,
              'log in again: mreg login',
            ]
          : ['no token is set: pass --token, set MREG_TOKEN, or run `mreg login`'],
        { cause: error },
      );
    if (error.status === 403) {
      const scope = /registry\.(read|write|admin)/.exec(detail)?.[0];
      return new CliError(
        `not allowed (403): ${detail}`,
        EXIT.auth,
        scope
          ? [
              `the token ${token.value ? describeOrigin(token) : '(none)'} lacks the scope ${scope}; ask for a token that has it`,
            ]
          : [],
        { cause: error },
      );
    }
    if (error.status === 404) {
      const hint = await this.closestName(detail).catch(() => undefined);
      return new CliError(detail || 'not found', EXIT.notFound, hint ? [hint] : error.hints, { cause: error });
    }
    if (error.status === 413 || error.status === 400)
      return new CliError(detail, EXIT.usage, error.hints, { cause: error });
    return error;
  }

  /** "did you mean …" for a model, alias or label the registry did not find. */
  private async closestName(detail: string): Promise<string | undefined> {
    const model = /^model "([^"]+)" not found/.exec(detail);
    if (model?.[1]) {
      const names = (await this.client.list<{ name: string }>('/v1/models', {}, 1000)).map((m) => m.name);
      const best = closest(model[1], names);
      return best ? `did you mean "${best}"?` : names.length === 0 ? 'the registry has no models yet' : undefined;
    }
    const ref = /^(alias|label) "([^"]+)" of model "([^"]+)" not found/.exec(detail);
    if (ref?.[2] && ref[3]) {
      const path = RegistryClient.modelPath(ref[3]);
      const [{ body: found }, versions] = await Promise.all([
        this.client.call<{ aliases: Record<string, number> }>('GET', path),
        this.client.list<{ label?: string }>(`${path}/versions`, {}, 200),
      ]);
      const aliases = Object.keys(found.aliases ?? {});
      const labels = versions.map((v) => v.label).filter((l): l is string => typeof l === 'string');
      const best = closest(ref[2], [...aliases, ...labels]);
      if (!best) return aliases.length > 0 ? `its aliases: ${aliases.join(', ')}` : undefined;
      return aliases.includes(best)
        ? `did you mean the alias "${best}"?`
        : `did you mean the label "${best}" (label:${best})?`;
    }
    return undefined;
  }
}

/** The candidate nearest to `name`, if it is near enough to be what was meant. */
export function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function asInternal(error: unknown): CliError {
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(`unexpected error: ${message}`, EXIT.error, ['set MREG_DEBUG=1 to see where it came from'], {
    cause: error,
  });
}
