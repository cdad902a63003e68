/** X-MS-CLIENT-PRINCIPAL (App Service authentication) to the registry's Principal, from the published fixtures. */
import { describe, expect, it } from 'vitest';
import { appServiceAuthenticator, parseClientPrincipal, principalOf } from '../../functions/azure/client-principal.js';
import { fixture } from '../support/azure/functions-app.js';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const request = (headers: Record<string, string>) => new Request('https://mreg.example.net/v1/models', { headers });

describe('X-MS-CLIENT-PRINCIPAL', () => {
  it('decodes the header computed in the Functions library test to the documented claims', () => {
    const headers = fixture<Record<string, string>>('x-ms-client-principal-headers.json');
    const parsed = parseClientPrincipal(headers['x-ms-client-principal']);
    expect(parsed).toEqual(fixture('x-ms-client-principal-populated.json'));
  });

  it('takes the Entra object id as the subject; no roles means no scopes', () => {
    const principal = principalOf(fixture('x-ms-client-principal-populated.json'));
    expect(principal?.subject).toBe('testId');
    expect([...(principal?.scopes ?? [])]).toEqual([]);
  });

  it('maps app roles (also under the role_typ claim type) and delegated scopes to registry scopes', () => {
    const roleTyp = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
    const principal = principalOf({
      auth_typ: 'aad',
      role_typ: roleTyp,
      claims: [
        { typ: 'oid', val: 'user-1' },
        { typ: roleTyp, val: 'registry.write' },
        { typ: 'http://schemas.microsoft.com/identity/claims/scope', val: 'api://mreg/registry.admin other' },
      ],
    });
    expect(principal?.subject).toBe('user-1');
    expect([...(principal?.scopes ?? [])].sort()).toEqual(['registry.admin', 'registry.read', 'registry.write']);
  });

  it('treats the documented empty skeleton as nobody, unless the platform names the principal', () => {
    const skeleton = fixture<Parameters<typeof principalOf>[0]>('x-ms-client-principal.json');
    expect(principalOf(skeleton)).toBeUndefined();
    expect(principalOf(skeleton, 'from-header')?.subject).toBe('from-header');
  });

  it('ignores malformed headers', () => {
    expect(parseClientPrincipal('not base64 json')).toBeUndefined();
    expect(parseClientPrincipal(encode({ claims: 'nope' }))).toBeUndefined();
    expect(
      parseClientPrincipal(
        encode({
          claims: [
            { typ: 1, val: 'x' },
            { typ: 'oid', val: 'kept' },
          ],
        }),
      ),
    ).toEqual({
      claims: [{ typ: 'oid', val: 'kept' }],
    });
  });

  it('trusts the header only where App Service authentication strips forged ones', async () => {
    const header = encode({
      claims: [
        { typ: 'oid', val: 'forged' },
        { typ: 'roles', val: 'registry.admin' },
      ],
    });
    const trusting = appServiceAuthenticator({ trustClientPrincipal: true });
    expect((await trusting(request({ 'x-ms-client-principal': header })))?.subject).toBe('forged');
    const wary = appServiceAuthenticator({ trustClientPrincipal: false });
    expect(await wary(request({ 'x-ms-client-principal': header }))).toBeUndefined();
    const withBearer = appServiceAuthenticator({
      trustClientPrincipal: false,
      bearer: async () => ({ subject: 'jwt-user', scopes: new Set(['registry.read']) }),
    });
    expect((await withBearer(request({ authorization: 'Bearer x' })))?.subject).toBe('jwt-user');
  });
});
