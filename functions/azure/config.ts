/** The Function App's settings (app settings in Azure, the environment locally). No keys in Azure. */
import type { StorageLocation } from './storage-clients.js';

export interface AzureConfig {
  storage: StorageLocation;
  /** The registry's key prefix inside the container (ends with `/`). */
  prefix: string;
  /** Event Grid custom topic endpoint for registry events; unset: events stay in the history only. */
  eventTopicEndpoint?: string;
  /** Principals (Event Grid `data.identity`) whose `incoming/` drop-ins may create models; unset: none may. */
  dropInPrincipals?: string[];
  /** Files up to this size are hashed inside `commit`; bigger ones go to the verifier queue. */
  inlineHashMaxBytes?: number;
  /** Files above this size are offered as block (multipart) uploads. */
  multipartThresholdBytes?: number;
  /**
   * The Entra ID tenant whose access tokens the function verifies itself (every caller: bearer
   * tokens and App Service sessions alike): its issuers (v2 and v1), the API's audiences, its keys.
   */
  jwt: { issuer: string[]; audience: string[]; jwksUrl: string };
}

export type Environment = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const required = (env: Environment, name: string): string => {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`the app setting ${name} is required`);
  return value;
};

const list = (env: Environment, name: string): string[] =>
  (env[name] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

function byteCount(env: Environment, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const bytes = Number(raw);
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new ConfigError(`${name} must be a whole number of bytes`);
  return bytes;
}

export function configFromEnv(env: Environment): AzureConfig {
  const container = required(env, 'MREG_CONTAINER');
  const table = env.MREG_TABLE?.trim() || 'mregmetadata';
  const connectionString = env.MREG_STORAGE_CONNECTION_STRING?.trim();
  const storage: StorageLocation = connectionString
    ? { connectionString, container, table }
    : {
        blobEndpoint: required(env, 'MREG_BLOB_ENDPOINT'),
        tableEndpoint: required(env, 'MREG_TABLE_ENDPOINT'),
        container,
        table,
      };
  const prefix = env.MREG_PREFIX ?? 'mreg/';
  if (prefix !== '' && !prefix.endsWith('/')) throw new ConfigError('MREG_PREFIX must end with "/" (or be empty)');
  // No caller is trusted on a header's word: without the tenant's settings nobody gets in.
  const issuer = list(env, 'MREG_JWT_ISSUER');
  if (issuer.length === 0) throw new ConfigError('the app setting MREG_JWT_ISSUER is required');
  const audience = list(env, 'MREG_JWT_AUDIENCE');
  if (audience.length === 0) throw new ConfigError('the app setting MREG_JWT_AUDIENCE is required');
  const config: AzureConfig = {
    storage,
    prefix,
    jwt: { issuer, audience, jwksUrl: required(env, 'MREG_JWT_JWKS_URL') },
  };
  const topic = env.MREG_EVENT_TOPIC_ENDPOINT?.trim();
  if (topic) config.eventTopicEndpoint = topic;
  const principals = list(env, 'MREG_DROP_IN_PRINCIPALS');
  if (principals.length > 0) config.dropInPrincipals = principals;
  const inline = byteCount(env, 'MREG_INLINE_HASH_MAX_BYTES');
  if (inline !== undefined) config.inlineHashMaxBytes = inline;
  const multipart = byteCount(env, 'MREG_MULTIPART_THRESHOLD_BYTES');
  if (multipart !== undefined) config.multipartThresholdBytes = multipart;
  return config;
}
