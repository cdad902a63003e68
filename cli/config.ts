/**
 * Where the registry's URL and token come from, in Kubeflow's order: flags > environment
 * (`MREG_URL`, `MREG_TOKEN`) > the config file `mreg login` writes > defaults. Every value
 * keeps its origin, so errors and `mreg config show` can say where it came from.
 *
 * The file is shared with the Python client: `$XDG_CONFIG_HOME/mreg/config.json` (else
 * `~/.config/mreg/config.json`), a JSON object `{"url": "...", "token": "..."}` (both
 * optional), mode 0600 in a directory of mode 0700.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export type Source = 'flag' | 'env' | 'file' | 'default';

export interface Setting<T> {
  value: T;
  source: Source;
  /** Where exactly: `--url`, `MREG_URL`, the file's path, or `default`. */
  origin: string;
}

export interface ResolvedConfig {
  url: Setting<string>;
  token: Setting<string | undefined>;
  file: string;
  /** Why the file was ignored or looks unsafe, when it was. */
  warnings: string[];
}

type Env = Record<string, string | undefined>;

export function configFile(env: Env = process.env): string {
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'mreg', 'config.json');
}

/** Where the hash cache and the state of interrupted pushes live. */
export function cacheDir(env: Env = process.env): string {
  if (env.MREG_CACHE_DIR) return env.MREG_CACHE_DIR;
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(base, 'mreg');
}

interface FileContents {
  url?: string;
  token?: string;
  [key: string]: unknown;
}

function readConfigFile(file: string, warnings: string[]): FileContents {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') warnings.push(`cannot read ${file}: ${(e as Error).message}`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    warnings.push(`ignoring ${file}: it is not valid JSON`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    warnings.push(`ignoring ${file}: it is not a JSON object`);
    return {};
  }
  const contents = parsed as FileContents;
  for (const key of ['url', 'token'] as const)
    if (contents[key] !== undefined && typeof contents[key] !== 'string') {
      warnings.push(`ignoring "${key}" in ${file}: not a string`);
      delete contents[key];
    }
  if (contents.token) {
    try {
      if ((statSync(file).mode & 0o077) !== 0)
        warnings.push(`${file} holds a token and is readable by others: chmod 600 ${file}`);
    } catch {
      // It was just read; a race with its removal changes nothing here.
    }
  }
  return contents;
}

export function resolveConfig(flags: { url?: string; token?: string }, env: Env = process.env): ResolvedConfig {
  const file = configFile(env);
  const warnings: string[] = [];
  const saved = readConfigFile(file, warnings);
  const pick = <T>(
    flagValue: string | undefined,
    flagName: string,
    envName: string,
    fileValue: string | undefined,
    fallback: T,
  ): Setting<string | T> => {
    if (flagValue !== undefined) return { value: flagValue, source: 'flag', origin: flagName };
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: 'env', origin: envName };
    if (fileValue !== undefined) return { value: fileValue, source: 'file', origin: file };
    return { value: fallback, source: 'default', origin: 'default' };
  };
  const url = pick(flags.url, '--url', 'MREG_URL', saved.url, DEFAULT_URL);
  const token = pick(flags.token, '--token', 'MREG_TOKEN', saved.token, undefined);
  // An empty token means none (an open loopback registry), wherever it came from.
  if (token.value === '') token.value = undefined;
  return { url, token, file, warnings };
}

/** Where a value came from, as a person reads it: `from MREG_URL`, `from --url`, `from <file>`, `the default`. */
export function describeOrigin(setting: Setting<unknown>): string {
  return setting.source === 'default' ? 'the default' : `from ${setting.origin}`;
}

/** Enough of a token to tell two apart, never enough to use it. */
export function maskToken(token: string | undefined): string {
  if (!token) return '(none)';
  if (token.length < 20) return '****';
  return `${token.slice(0, 4)}****${token.slice(-4)}`;
}

/** Writes url and token into the config file (other keys kept), owner-only, atomically. */
export function saveConfig(values: { url: string; token?: string }, env: Env = process.env): string {
  const file = configFile(env);
  const contents = readConfigFile(file, []);
  contents.url = values.url;
  if (values.token) contents.token = values.token;
  else delete contents.token;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    chmodSync(dirname(file), 0o700);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch (e) {
    throw new CliError(`cannot write ${file}: ${(e as Error).message}`, undefined, [], { cause: e });
  }
  return file;
}
