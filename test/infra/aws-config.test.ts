/** The CDK app's settings: context first, MREG_* environment as fallback, required ones enforced. */
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { registryStackProps } from '../../infra/aws/app-config.js';

const nodeWith = (context: Record<string, string>) => new App({ context }).node;

describe('registryStackProps', () => {
  it('takes context over the environment', () => {
    const props = registryStackProps(
      nodeWith({ bucketName: 'ctx-bucket', jwtIssuer: 'https://i/', jwtAudience: 'a, b', prefix: 'r/', account: '1' }),
      { MREG_BUCKET: 'env-bucket', CDK_DEFAULT_REGION: 'eu-west-1' },
    );
    expect(props).toMatchObject({
      bucketName: 'ctx-bucket',
      jwtIssuer: 'https://i/',
      jwtAudience: ['a', 'b'],
      prefix: 'r/',
      env: { account: '1', region: 'eu-west-1' },
    });
  });

  it('reads the scope prefix and the admin claim with its values', () => {
    const props = registryStackProps(
      nodeWith({
        bucketName: 'b',
        jwtIssuer: 'https://i/',
        jwtAudience: 'a',
        scopePrefix: 'mreg/',
        adminClaim: 'cognito:groups',
        adminValues: 'mreg-admins, ops',
      }),
      {},
    );
    expect(props).toMatchObject({
      scopePrefix: 'mreg/',
      adminClaim: 'cognito:groups',
      adminValues: ['mreg-admins', 'ops'],
    });
    const fromEnv = registryStackProps(nodeWith({}), {
      MREG_BUCKET: 'b',
      MREG_JWT_ISSUER: 'https://i/',
      MREG_JWT_AUDIENCE: 'a',
      MREG_ADMIN_CLAIM: 'roles',
      MREG_ADMIN_VALUES: 'Registry.Admin',
    });
    expect(fromEnv).toMatchObject({ adminClaim: 'roles', adminValues: ['Registry.Admin'] });
  });

  it('falls back to the environment, and refuses to synthesize without a bucket or JWT settings', () => {
    const env = { MREG_BUCKET: 'b', MREG_JWT_ISSUER: 'https://i/', MREG_JWT_AUDIENCE: 'aud' };
    expect(registryStackProps(nodeWith({}), env).bucketName).toBe('b');
    expect(() => registryStackProps(nodeWith({}), { ...env, MREG_BUCKET: '' })).toThrow(/bucketName/);
    expect(() => registryStackProps(nodeWith({ bucketName: 'b' }), {})).toThrow(/jwtIssuer/);
  });
});
