/** What the web UI is told about its registry: only how people sign in (no data). */
export type AuthConfig =
  /** The local server: a bearer token typed by the user (or none on open loopback). */
  | { kind: 'token' }
  /** OIDC authorization code + PKCE against `issuer`, as the public client `clientId`. */
  | { kind: 'oidc'; issuer: string; clientId: string; scopes: string[] }
  /** Azure App Service authentication: a session cookie, signed in at `loginPath`. */
  | { kind: 'appservice'; loginPath: string };

export interface UiConfig {
  runtime: 'local' | 'aws' | 'azure';
  auth: AuthConfig;
}
