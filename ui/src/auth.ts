/**
 * The user's own credentials, per runtime: a bearer token (typed on the local server, or got by
 * OIDC authorization code + PKCE), or App Service's session cookie (nothing to hold here).
 * Tokens live in sessionStorage: gone with the tab, never in a URL or a cookie we set.
 */
import type { AuthConfig } from './config.js';

const TOKEN_KEY = 'mreg.token';
const PKCE_KEY = 'mreg.pkce';
export const CALLBACK_PATH = '/ui/callback';

interface StoredToken {
  accessToken: string;
  /** Epoch ms; absent when unknown (a typed token). */
  expiresAt?: number;
}

export function currentToken(now = Date.now()): string | undefined {
  const raw = sessionStorage.getItem(TOKEN_KEY);
  if (!raw) return undefined;
  try {
    const token = JSON.parse(raw) as StoredToken;
    if (token.expiresAt !== undefined && token.expiresAt <= now) {
      sessionStorage.removeItem(TOKEN_KEY);
      return undefined;
    }
    return token.accessToken;
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
    return undefined;
  }
}

export function saveToken(accessToken: string, expiresInSeconds?: number): void {
  const token: StoredToken = { accessToken };
  if (expiresInSeconds !== undefined) token.expiresAt = Date.now() + expiresInSeconds * 1000;
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(token));
}

export const forgetToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

/** Where the user was, so sign-in brings them back there. */
export const here = (): string => `${location.pathname}${location.search}`;

/** App Service authentication: its own login route, then back to this page. */
export function appServiceLogin(auth: Extract<AuthConfig, { kind: 'appservice' }>, returnTo = here()): void {
  location.assign(`${auth.loginPath}?post_login_redirect_uri=${encodeURIComponent(returnTo)}`);
}

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const randomString = (bytes = 32): string => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

async function discover(issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`the identity provider's configuration could not be read (HTTP ${res.status})`);
  const doc = (await res.json()) as Partial<Discovery>;
  if (!doc.authorization_endpoint || !doc.token_endpoint)
    throw new Error("the identity provider's configuration names no authorization or token endpoint");
  return { authorization_endpoint: doc.authorization_endpoint, token_endpoint: doc.token_endpoint };
}

interface PkceState {
  verifier: string;
  state: string;
  returnTo: string;
  tokenEndpoint: string;
}

const redirectUri = (): string => `${location.origin}${CALLBACK_PATH}`;

/** Starts authorization code + PKCE (S256): the browser leaves for the issuer. */
export async function startOidcSignIn(auth: Extract<AuthConfig, { kind: 'oidc' }>, returnTo: string): Promise<void> {
  const endpoints = await discover(auth.issuer);
  const verifier = randomString(48);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const pkce: PkceState = { verifier, state: randomString(), returnTo, tokenEndpoint: endpoints.token_endpoint };
  sessionStorage.setItem(PKCE_KEY, JSON.stringify(pkce));
  const url = new URL(endpoints.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: auth.scopes.join(' '),
    state: pkce.state,
    code_challenge: base64url(digest),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/** The issuer sent the browser back: trade the code for a token; answers where to go next. */
export async function finishOidcSignIn(
  auth: Extract<AuthConfig, { kind: 'oidc' }>,
  query: URLSearchParams,
): Promise<string> {
  const raw = sessionStorage.getItem(PKCE_KEY);
  sessionStorage.removeItem(PKCE_KEY);
  const error = query.get('error');
  if (error) throw new Error(`sign-in failed: ${query.get('error_description') ?? error}`);
  if (!raw) throw new Error('this sign-in was not started here (or was already finished); sign in again');
  const pkce = JSON.parse(raw) as PkceState;
  const code = query.get('code');
  if (!code || query.get('state') !== pkce.state) throw new Error('the sign-in answer does not match its request');
  const res = await fetch(pkce.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri(),
      client_id: auth.clientId,
      code_verifier: pkce.verifier,
    }),
  });
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
  };
  if (!res.ok || !body.access_token)
    throw new Error(`the identity provider refused the sign-in: ${body.error ?? `HTTP ${res.status}`}`);
  saveToken(body.access_token, body.expires_in);
  return pkce.returnTo.startsWith('/ui/') ? pkce.returnTo : '/ui/';
}
