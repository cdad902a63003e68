/**
 * The `api` Lambda's reading of the JWT authorizer's claims, as tight as the gateway's own
 * check: a scope counts only under the configured prefix (`other-prefix/registry.admin` is
 * nothing), and admin comes from the configured claim (a group or role a tenant assigns per
 * user), never from a delegated scope that every user of a client holds.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/aws/handlers/api-handler.js';
import { type AppHarness, createAppHarness } from '../support/app-harness.js';
import { type ApiCall, apiEvent } from '../support/aws/events.js';

const logger = new Logger({ serviceName: 'mreg-test', logLevel: 'SILENT' });
const CLAIMS = { scopePrefix: 'mreg/', adminClaim: 'cognito:groups', adminValues: ['mreg-admins'] };

let h: AppHarness;
let api: ReturnType<typeof createApiHandler>;

beforeAll(async () => {
  h = await createAppHarness();
  api = createApiHandler({ registry: h.registry, logger, claims: CLAIMS });
  expect((await createModel('scoped', { sub: 'owner', scope: 'mreg/registry.write' })).statusCode).toBe(201);
});
afterAll(async () => h.close());

const createModel = (name: string, claims: NonNullable<ApiCall['claims']>) =>
  api(apiEvent({ method: 'POST', path: '/v1/models', body: { name }, claims }));

/** Changing protected aliases is an admin's change. */
const protectAliases = (claims: NonNullable<ApiCall['claims']>) =>
  api(apiEvent({ method: 'PATCH', path: '/v1/models/scoped', body: { protectedAliases: ['prod'] }, claims }));

describe('scopes under the configured prefix only', () => {
  it('a scope under another prefix is not admin (the old mapping dropped everything before the last "/")', async () => {
    const res = await protectAliases({ sub: 'mallory', scope: 'other-prefix/registry.admin mreg/registry.write' });
    expect(res.statusCode).toBe(403);
  });

  it('a scope under another prefix or none grants nothing at all', async () => {
    for (const scope of [
      'other-prefix/registry.write',
      'registry.write',
      'xmreg/registry.write',
      'mreg/registry.writer',
    ]) {
      expect((await createModel('nope', { sub: 'm', scope })).statusCode, scope).toBe(403);
    }
  });

  it('the configured prefix grants its scope, flattened arrays included', async () => {
    expect((await createModel('ok-scope', { sub: 'w', scp: '[mreg/registry.write]' })).statusCode).toBe(201);
  });
});

describe('admin from the configured claim', () => {
  it('the delegated admin scope alone is not admin', async () => {
    expect((await protectAliases({ sub: 'delegate', scope: 'mreg/registry.admin' })).statusCode).toBe(403);
  });

  it('the configured group is admin, as API Gateway flattens it and as a list', async () => {
    expect(
      (await protectAliases({ sub: 'root', scope: 'mreg/registry.write', 'cognito:groups': '[staff mreg-admins]' }))
        .statusCode,
    ).toBe(200);
    expect(
      (await protectAliases({ sub: 'root', scope: 'mreg/registry.write', 'cognito:groups': ['mreg-admins'] }))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await protectAliases({
          sub: 'staff',
          scope: 'mreg/registry.write',
          'cognito:groups': '[staff mreg-admins-not]',
        })
      ).statusCode,
    ).toBe(403);
  });
});
