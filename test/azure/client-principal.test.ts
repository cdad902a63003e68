/** X-MS-CLIENT-PRINCIPAL as App Service documents it, from the published fixtures: a check on the verified token, never a grant. */
import { describe, expect, it } from 'vitest';
import {
  clientPrincipalAgrees,
  parseClientPrincipal,
  principalOfEntraToken,
} from '../../functions/azure/entra-auth.js';
import { fixture } from '../support/azure/functions-app.js';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

describe('X-MS-CLIENT-PRINCIPAL', () => {
  it('decodes the header computed in the Functions library test to the documented claims', () => {
    const headers = fixture<Record<string, string>>('x-ms-client-principal-headers.json');
    expect(parseClientPrincipal(headers['x-ms-client-principal'] ?? '')).toEqual(
      fixture('x-ms-client-principal-populated.json'),
    );
  });

  it('agrees with a token of the same Entra object id from the aad provider, and with nothing else', () => {
    const header = fixture<Record<string, string>>('x-ms-client-principal-headers.json')['x-ms-client-principal'] ?? '';
    expect(clientPrincipalAgrees(header, 'testId')).toBe(true);
    expect(clientPrincipalAgrees(header, 'someone-else')).toBe(false);
    const populated = fixture<{ auth_typ: string }>('x-ms-client-principal-populated.json');
    expect(clientPrincipalAgrees(encode({ ...populated, auth_typ: 'google' }), 'testId')).toBe(false);
    expect(clientPrincipalAgrees(encode(fixture('x-ms-client-principal.json')), '')).toBe(false);
    expect(clientPrincipalAgrees('not base64 json', 'testId')).toBe(false);
    expect(clientPrincipalAgrees(encode({ auth_typ: 'aad', claims: 'nope' }), 'testId')).toBe(false);
  });
});

describe('the principal of a verified Entra token', () => {
  it('is its object id; app roles give admin, delegated scopes at most write', () => {
    expect(principalOfEntraToken({ oid: 'o1', sub: 's1', roles: ['registry.admin'] })).toEqual({
      subject: 'o1',
      scopes: new Set(['registry.admin', 'registry.write', 'registry.read']),
    });
    expect(principalOfEntraToken({ oid: 'o2', sub: 's2', scp: 'registry.admin registry.read' })).toEqual({
      subject: 'o2',
      scopes: new Set(['registry.read']),
    });
    expect(principalOfEntraToken({ sub: 's3', roles: ['api://mreg/registry.admin'] })).toEqual({
      subject: 's3',
      scopes: new Set(),
    });
  });
});
