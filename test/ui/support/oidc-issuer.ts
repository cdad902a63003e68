/**
 * A small OpenID provider for the sign-in test, on 127.0.0.1: discovery, an authorization
 * endpoint that approves at once (a person would sign in there), a token endpoint that checks
 * the PKCE verifier against the challenge (S256) and the redirect URI, and its JWKS. Access
 * tokens are RS256 JWTs the registry verifies like any issuer's.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export interface TestIssuer {
  issuer: string;
  jwksUrl: string;
  /** Token requests answered, and why any was refused. */
  log: { exchanged: number; refused: string[] };
  close(): Promise<void>;
}

const base64url = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export async function startTestIssuer(options: {
  audience: string;
  scope: string;
  subject: string;
}): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { challenge: string; clientId: string; redirectUri: string }>();
  const log = { exchanged: 0, refused: [] as string[] };
  let issuer = '';

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*', ...headers });
    res.end(JSON.stringify(body));
  };
  const readBody = (req: IncomingMessage) =>
    new Promise<string>((done) => {
      let text = '';
      req.on('data', (c: Buffer) => {
        text += c.toString('utf8');
      });
      req.on('end', () => done(text));
    });

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type',
      });
      res.end();
      return;
    }
    if (url.pathname === '/.well-known/openid-configuration')
      return send(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        code_challenge_methods_supported: ['S256'],
      });
    if (url.pathname === '/jwks') return send(res, 200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge'))
        return send(res, 400, { error: 'invalid_request' });
      const code = randomUUID();
      codes.set(code, {
        challenge: q.get('code_challenge') ?? '',
        clientId: q.get('client_id') ?? '',
        redirectUri: q.get('redirect_uri') ?? '',
      });
      const back = new URL(q.get('redirect_uri') ?? '');
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      void readBody(req).then(async (text) => {
        const form = new URLSearchParams(text);
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const problem = !grant
          ? 'unknown code'
          : base64url(createHash('sha256').update(verifier).digest()) !== grant.challenge
            ? 'PKCE verifier does not match'
            : grant.redirectUri !== form.get('redirect_uri') || grant.clientId !== form.get('client_id')
              ? 'client or redirect URI differs'
              : undefined;
        if (problem) {
          log.refused.push(problem);
          return send(res, 400, { error: 'invalid_grant', error_description: problem });
        }
        log.exchanged++;
        const accessToken = await new SignJWT({ scope: options.scope, client_id: grant?.clientId })
          .setProtectedHeader({ alg: 'RS256', kid: 'test', typ: 'at+jwt' })
          .setIssuer(issuer)
          .setAudience(options.audience)
          .setSubject(options.subject)
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(privateKey);
        send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 600 });
      });
      return;
    }
    send(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    log,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
