/** The functions' configuration from the environment the stack sets. */
import { describe, expect, it } from 'vitest';
import { ConfigError, claimMappingFromEnv, configFromEnv, eventsConfigFromEnv } from '../../functions/aws/config.js';

const BASE = { MREG_TABLE_NAME: 'mreg', MREG_BUCKET: 'models' };

describe('configFromEnv', () => {
  it('reads the table, bucket and prefix (default mreg/), and nothing else unless set', () => {
    expect(configFromEnv(BASE)).toEqual({ tableName: 'mreg', bucket: 'models', prefix: 'mreg/', endpoints: {} });
  });

  it('reads the optional settings', () => {
    const config = configFromEnv({
      ...BASE,
      MREG_PREFIX: 'registry/',
      MREG_DROP_IN_PRINCIPALS: 'AWS:AIDA1, AWS:AIDA2,',
      MREG_INLINE_HASH_MAX_BYTES: '1048576',
      MREG_MULTIPART_THRESHOLD_BYTES: '8388608',
      MREG_S3_ENDPOINT: 'http://127.0.0.1:1',
      MREG_DYNAMODB_ENDPOINT: 'http://127.0.0.1:2',
    });
    expect(config).toMatchObject({
      prefix: 'registry/',
      dropInPrincipals: ['AWS:AIDA1', 'AWS:AIDA2'],
      inlineHashMaxBytes: 1048576,
      multipartThresholdBytes: 8388608,
      endpoints: { s3: 'http://127.0.0.1:1', dynamodb: 'http://127.0.0.1:2' },
    });
  });

  it('refuses a missing table or bucket, a prefix without a slash, and a size that is not one', () => {
    expect(() => configFromEnv({ MREG_BUCKET: 'b' })).toThrow(ConfigError);
    expect(() => configFromEnv({ MREG_TABLE_NAME: 't' })).toThrow(/MREG_BUCKET/);
    expect(() => configFromEnv({ ...BASE, MREG_PREFIX: 'mreg' })).toThrow(/end with/);
    expect(() => configFromEnv({ ...BASE, MREG_INLINE_HASH_MAX_BYTES: '1e3x' })).toThrow(/size/);
    expect(() => configFromEnv({ ...BASE, MREG_MULTIPART_THRESHOLD_BYTES: '-1' })).toThrow(/size/);
  });

  it('reads how the api maps claims: the scope prefix, and the admin claim only with its values', () => {
    expect(claimMappingFromEnv({})).toEqual({ scopePrefix: '' });
    expect(
      claimMappingFromEnv({
        MREG_SCOPE_PREFIX: 'mreg/',
        MREG_ADMIN_CLAIM: 'cognito:groups',
        MREG_ADMIN_VALUES: 'a, b,',
      }),
    ).toEqual({ scopePrefix: 'mreg/', adminClaim: 'cognito:groups', adminValues: ['a', 'b'] });
    expect(() => claimMappingFromEnv({ MREG_ADMIN_CLAIM: 'roles' })).toThrow(/MREG_ADMIN_VALUES/);
  });

  it('gives the publisher only where events go', () => {
    expect(eventsConfigFromEnv({})).toEqual({});
    expect(eventsConfigFromEnv({ MREG_EVENT_BUS_NAME: 'bus', MREG_EVENTS_ENDPOINT: 'http://e' })).toEqual({
      eventBusName: 'bus',
      endpoint: 'http://e',
    });
  });
});
