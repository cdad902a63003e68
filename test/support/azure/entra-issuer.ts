/**
 * A stand-in for the Entra ID tenant the Function App trusts: an RS256 key pair whose public
 * half is served as a JWKS on 127.0.0.1 (as `login.microsoftonline.com/<tenant>/discovery/v2.0/keys`
 * serves the tenant's), and access tokens shaped like Entra's v2 ones (`iss`, `aud` = the app's
 * client id, `oid`, `tid`, `scp` for delegated scopes, `roles` for app roles).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT_ID = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
export const ISSUER = `https://login.microsoftonline.com/${TENANT}/v2.0`;

export interface EntraCaller {
  /** The Entra object id (the registry's subject). */
  oid: string;
  roles?: string[];
  /** Delegated scopes, space-separated as Entra writes `scp`. */
  scp?: string;
}

export interface EntraIssuer {
  jwksUrl: string;
  /** The app settings that point the Function App at this tenant. */
  settings: { issuer: string[]; audience: string[]; jwksUrl: string };
  /** An access token for the registry's API. */
  token(caller: EntraCaller, claims?: JWTPayload): Promise<string>;
  /** A token signed by a key the tenant never published. */
  foreignToken(caller: EntraCaller): Promise<string>;
  close(): Promise<void>;
}

export async function startEntraIssuer(): Promise<EntraIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const stranger = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', use: 'sig', alg: 'RS256' };
  const server: Server = createServer((req, res) => {
    if (req.url !== `/${TENANT}/discovery/v2.0/keys`) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${TENANT}/discovery/v2.0/keys`;
  const sign = (
    caller: EntraCaller,
    claims: JWTPayload,
    key: CryptoKey | Awaited<ReturnType<typeof generateKeyPair>>['privateKey'],
    kid: string,
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: ISSUER,
      aud: CLIENT_ID,
      tid: TENANT,
      oid: caller.oid,
      sub: `pairwise-${caller.oid}`,
      ver: '2.0',
      iat: now,
      nbf: now - 5,
      exp: now + 600,
      ...(caller.roles ? { roles: caller.roles } : {}),
      ...(caller.scp ? { scp: caller.scp } : {}),
      ...claims,
    };
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key);
  };
  return {
    jwksUrl,
    settings: { issuer: [ISSUER], audience: [CLIENT_ID, `api://${CLIENT_ID}`], jwksUrl },
    token: (caller, claims = {}) => sign(caller, claims, privateKey, 'test-key-1'),
    foreignToken: (caller) => sign(caller, {}, stranger.privateKey, 'test-key-1'),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `X-MS-CLIENT-PRINCIPAL` as App Service builds it for an Entra caller (base64 JSON of the claims). */
export function clientPrincipalHeader(
  caller: EntraCaller,
  options: { authType?: string; roleType?: string } = {},
): string {
  const claims = [
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: caller.oid },
    ...(caller.roles ?? []).map((val) => ({ typ: 'roles', val })),
  ];
  return Buffer.from(
    JSON.stringify({
      auth_typ: options.authType ?? 'aad',
      claims,
      name_typ: 'name',
      role_typ: options.roleType ?? 'roles',
    }),
  ).toString('base64');
}
