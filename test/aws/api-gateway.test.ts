/** API Gateway 2.0 events <-> Fetch, and the JWT authorizer's claims -> principal, from published fixtures. */
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { encodedPath, requestOf, resultOf } from '../../functions/aws/api-gateway.js';
import { principalFromAuthorizer } from '../../functions/aws/jwt-principal.js';
import { fixture } from '../support/aws/events.js';

const powertoolsEvent = () => fixture<APIGatewayProxyEventV2WithJWTAuthorizer>('apigw-http-v2-jwt.json');
const cognitoEvent = () => fixture<APIGatewayProxyEventV2WithJWTAuthorizer>('apigw-http-v2-jwt-cognito.json');

describe('requestOf', () => {
  it('builds the request of the published 2.0 example: method, path, query, headers, cookies, body', async () => {
    const request = requestOf(powertoolsEvent());
    expect(request.method).toBe('POST');
    const url = new URL(request.url);
    expect(url.host).toBe('id.execute-api.us-east-1.amazonaws.com');
    expect(url.pathname).toBe('/my/path');
    expect(url.searchParams.getAll('parameter1')).toEqual(['value1', 'value2']);
    expect(url.searchParams.get('parameter2')).toBe('value');
    expect(request.headers.get('header2')).toBe('value1,value2');
    expect(request.headers.get('cookie')).toBe('cookie1; cookie2');
    expect(await request.json()).toEqual({ message: 'hello world', username: 'tom' });
  });

  it('decodes a base64 body to the exact bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
    const event = { ...powertoolsEvent(), body: bytes.toString('base64'), isBase64Encoded: true };
    expect(Buffer.from(await requestOf(event).arrayBuffer())).toEqual(bytes);
  });

  it('sends no body for GET, and drops a named stage from the path', () => {
    const event = cognitoEvent() as unknown as APIGatewayProxyEventV2;
    event.requestContext.http.method = 'GET';
    event.requestContext.stage = 'prod';
    event.rawPath = '/prod/v1/models';
    const request = requestOf(event);
    expect(request.body).toBeNull();
    expect(new URL(request.url).pathname).toBe('/v1/models');
  });

  it('re-encodes a path that API Gateway decoded, and leaves an encoded one alone', () => {
    expect(encodedPath('/v1/models/fraud/versions/1/files/dir/a b.bin')).toBe(
      '/v1/models/fraud/versions/1/files/dir/a%20b.bin',
    );
    expect(encodedPath('/files/%C3%BC%20x.bin')).toBe('/files/%C3%BC%20x.bin');
    expect(encodedPath('/files/ü.bin')).toBe('/files/%C3%BC.bin');
    expect(encodedPath('/files/100%')).toBe('/files/100%25');
    expect(encodedPath('/files/a#b?c')).toBe('/files/a%23b%3Fc');
  });
});

describe('resultOf', () => {
  it('returns JSON as text and every Set-Cookie apart', async () => {
    const headers = new Headers({ 'content-type': 'application/problem+json', etag: '"x"' });
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; Path=/');
    const result = await resultOf(new Response(JSON.stringify({ ok: true }), { status: 409, headers }));
    expect(result.statusCode).toBe(409);
    expect(result.isBase64Encoded).toBe(false);
    expect(JSON.parse(result.body ?? '')).toEqual({ ok: true });
    expect(result.cookies).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(result.headers?.etag).toBe('"x"');
    expect(result.headers?.['set-cookie']).toBeUndefined();
  });

  it('returns binary bodies base64-encoded, and redirects with their Location', async () => {
    const bytes = Buffer.from([0, 159, 146, 150]);
    const binary = await resultOf(new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }));
    expect(binary.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.body ?? '', 'base64')).toEqual(bytes);
    const redirect = await resultOf(Response.redirect('https://bucket.s3.amazonaws.com/k?X-Amz-Signature=s', 302));
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers?.location).toContain('X-Amz-Signature');
  });
});

describe('principalFromAuthorizer', () => {
  it('has no principal without a subject (the published example has none)', () => {
    expect(principalFromAuthorizer(powertoolsEvent().requestContext.authorizer)).toBeUndefined();
    expect(principalFromAuthorizer(undefined)).toBeUndefined();
  });

  it('takes sub from a Cognito ID token and no scopes when it carries none', () => {
    const principal = principalFromAuthorizer(cognitoEvent().requestContext.authorizer);
    expect(principal?.subject).toBe('d2f50444-0041-7036-aea2-a955fca33d37');
    expect([...(principal?.scopes ?? [])]).toEqual([]);
  });

  it('reads scope strings, flattened scp arrays and the authorizer list under the exact prefix, with implied scopes', () => {
    const mapping = { scopePrefix: 'api://mreg/' };
    const scoped = principalFromAuthorizer(
      { jwt: { claims: { sub: 'alice', scope: 'openid api://mreg/registry.write' }, scopes: ['openid'] } },
      mapping,
    );
    expect([...(scoped?.scopes ?? [])].sort()).toEqual(['registry.read', 'registry.write']);
    const flattened = principalFromAuthorizer({
      jwt: { claims: { sub: 'bob', scp: '[registry.write email]' }, scopes: [] },
    });
    expect([...(flattened?.scopes ?? [])].sort()).toEqual(['registry.read', 'registry.write']);
    const fromList = principalFromAuthorizer({ jwt: { claims: { sub: 'carol' }, scopes: ['registry.read'] } });
    expect([...(fromList?.scopes ?? [])]).toEqual(['registry.read']);
    const foreign = principalFromAuthorizer(
      { jwt: { claims: { sub: 'dave', scope: 'other/registry.write api://mreg/x/registry.read' }, scopes: [] } },
      mapping,
    );
    expect([...(foreign?.scopes ?? [])]).toEqual([]);
  });

  it('takes admin from the configured claim only, never from a scope', () => {
    const mapping = { scopePrefix: '', adminClaim: 'cognito:groups', adminValues: ['mreg-admins'] };
    const scopeOnly = principalFromAuthorizer(
      { jwt: { claims: { sub: 'e', scope: 'registry.admin' }, scopes: [] } },
      mapping,
    );
    expect([...(scopeOnly?.scopes ?? [])]).toEqual([]);
    const grouped = principalFromAuthorizer(
      { jwt: { claims: { sub: 'f', 'cognito:groups': '[mreg-admins]' }, scopes: [] } },
      mapping,
    );
    expect([...(grouped?.scopes ?? [])].sort()).toEqual(['registry.admin', 'registry.read', 'registry.write']);
    const cognito = principalFromAuthorizer(cognitoEvent().requestContext.authorizer, mapping);
    expect([...(cognito?.scopes ?? [])]).toEqual([]);
  });
});
