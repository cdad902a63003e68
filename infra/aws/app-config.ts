/** The stack's settings from CDK context, falling back to MREG_* environment variables. */
import type { Node } from 'constructs';
import type { RegistryStackProps } from './registry-stack.js';

type Env = Record<string, string | undefined>;

export function registryStackProps(node: Node, env: Env): RegistryStackProps {
  const read = (key: string, envName: string): string | undefined => {
    const value = node.tryGetContext(key) as unknown;
    if (typeof value === 'string' && value !== '') return value;
    return env[envName] || undefined;
  };
  const bucketName = read('bucketName', 'MREG_BUCKET');
  const jwtIssuer = read('jwtIssuer', 'MREG_JWT_ISSUER');
  const jwtAudience = read('jwtAudience', 'MREG_JWT_AUDIENCE');
  if (!bucketName) throw new Error('set the existing bucket: -c bucketName=<name> (or MREG_BUCKET)');
  if (!jwtIssuer || !jwtAudience)
    throw new Error('set the JWT issuer and audience: -c jwtIssuer=<url> -c jwtAudience=<aud>[,<aud>]');
  const props: RegistryStackProps = {
    bucketName,
    jwtIssuer,
    jwtAudience: jwtAudience.split(',').map((a) => a.trim()),
    env: {
      account: read('account', 'CDK_DEFAULT_ACCOUNT'),
      region: read('region', 'CDK_DEFAULT_REGION'),
    },
  };
  const prefix = read('prefix', 'MREG_PREFIX');
  if (prefix !== undefined) props.prefix = prefix;
  const scopePrefix = read('scopePrefix', 'MREG_SCOPE_PREFIX');
  if (scopePrefix !== undefined) props.scopePrefix = scopePrefix;
  const adminClaim = read('adminClaim', 'MREG_ADMIN_CLAIM');
  if (adminClaim !== undefined) props.adminClaim = adminClaim;
  const adminValues = read('adminValues', 'MREG_ADMIN_VALUES');
  if (adminValues)
    props.adminValues = adminValues
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  const bucketKeyArn = read('bucketKeyArn', 'MREG_BUCKET_KEY_ARN');
  if (bucketKeyArn !== undefined) props.bucketKeyArn = bucketKeyArn;
  const uiClientId = read('uiClientId', 'MREG_UI_CLIENT_ID');
  if (uiClientId !== undefined) props.uiClientId = uiClientId;
  const uiScopes = read('uiScopes', 'MREG_UI_SCOPES');
  if (uiScopes !== undefined) props.uiScopes = uiScopes.split(/[\s,]+/).filter(Boolean);
  const principals = read('dropInPrincipals', 'MREG_DROP_IN_PRINCIPALS');
  if (principals) props.dropInPrincipals = principals.split(',').map((p) => p.trim());
  return props;
}
