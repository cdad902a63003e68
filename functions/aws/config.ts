/** The AWS functions' configuration, read once from the environment the stack sets. */
import type { AuthConfig } from '../../shared/http/ui-config.js';
import type { ClaimMapping } from './jwt-principal.js';

export interface AwsConfig {
  tableName: string;
  bucket: string;
  /** Registry key prefix inside the bucket (ends with `/`). */
  prefix: string;
  /** Event bus for registry events (the publisher); unset: the default bus. */
  eventBusName?: string;
  /** Principals (S3 `principalId`) whose `incoming/` drop-ins may create models; unset: none may. */
  dropInPrincipals?: string[];
  inlineHashMaxBytes?: number;
  multipartThresholdBytes?: number;
  /** Endpoint overrides for local servers (s3rver, DynamoDB Local); never set in the cloud. */
  endpoints: { s3?: string; dynamodb?: string; events?: string };
}

const list = (raw: string | undefined): string[] =>
  (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

/**
 * How the `api` function reads the authorizer's claims: `MREG_SCOPE_PREFIX` (as the gateway's
 * routes name scopes), `MREG_ADMIN_CLAIM` and `MREG_ADMIN_VALUES` (who is an admin).
 */
export function claimMappingFromEnv(env: Env = process.env): ClaimMapping {
  const mapping: ClaimMapping = { scopePrefix: env.MREG_SCOPE_PREFIX ?? '' };
  const claim = env.MREG_ADMIN_CLAIM?.trim();
  if (claim) {
    const values = list(env.MREG_ADMIN_VALUES);
    if (values.length === 0) throw new ConfigError('MREG_ADMIN_CLAIM is set without MREG_ADMIN_VALUES');
    mapping.adminClaim = claim;
    mapping.adminValues = values;
  }
  return mapping;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}

function sizeOf(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  const bytes = Number(raw);
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new ConfigError(`${name} is not a size in bytes`);
  return bytes;
}

export function configFromEnv(env: Env = process.env): AwsConfig {
  const prefix = env.MREG_PREFIX ?? 'mreg/';
  if (prefix !== '' && !prefix.endsWith('/')) throw new ConfigError('MREG_PREFIX must end with "/"');
  const config: AwsConfig = {
    tableName: required(env, 'MREG_TABLE_NAME'),
    bucket: required(env, 'MREG_BUCKET'),
    prefix,
    endpoints: {},
  };
  if (env.MREG_EVENT_BUS_NAME) config.eventBusName = env.MREG_EVENT_BUS_NAME;
  if (env.MREG_DROP_IN_PRINCIPALS) config.dropInPrincipals = list(env.MREG_DROP_IN_PRINCIPALS);
  const inlineHashMaxBytes = sizeOf(env, 'MREG_INLINE_HASH_MAX_BYTES');
  if (inlineHashMaxBytes !== undefined) config.inlineHashMaxBytes = inlineHashMaxBytes;
  const multipartThresholdBytes = sizeOf(env, 'MREG_MULTIPART_THRESHOLD_BYTES');
  if (multipartThresholdBytes !== undefined) config.multipartThresholdBytes = multipartThresholdBytes;
  if (env.MREG_S3_ENDPOINT) config.endpoints.s3 = env.MREG_S3_ENDPOINT;
  if (env.MREG_DYNAMODB_ENDPOINT) config.endpoints.dynamodb = env.MREG_DYNAMODB_ENDPOINT;
  if (env.MREG_EVENTS_ENDPOINT) config.endpoints.events = env.MREG_EVENTS_ENDPOINT;
  return config;
}

/** The publisher needs only where events go. */
export function eventsConfigFromEnv(env: Env = process.env): { eventBusName?: string; endpoint?: string } {
  const out: { eventBusName?: string; endpoint?: string } = {};
  if (env.MREG_EVENT_BUS_NAME) out.eventBusName = env.MREG_EVENT_BUS_NAME;
  if (env.MREG_EVENTS_ENDPOINT) out.endpoint = env.MREG_EVENTS_ENDPOINT;
  return out;
}

/**
 * How the web UI signs people in on AWS: OIDC authorization code + PKCE when the stack names
 * the issuer and the UI's client (`MREG_UI_OIDC_ISSUER`, `MREG_UI_CLIENT_ID`, space-separated
 * `MREG_UI_SCOPES`); otherwise the user pastes an access token.
 */
export function uiAuthFromEnv(env: Env = process.env): AuthConfig {
  const issuer = env.MREG_UI_OIDC_ISSUER;
  const clientId = env.MREG_UI_CLIENT_ID;
  if (!issuer || !clientId) return { kind: 'token' };
  const scopes = (env.MREG_UI_SCOPES ?? 'openid').split(/\s+/).filter(Boolean);
  return { kind: 'oidc', issuer, clientId, scopes };
}
