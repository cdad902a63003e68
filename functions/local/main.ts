/** `npm start`: the local registry on 127.0.0.1:8080 with data in ./.mreg (flags and env as in the README). */
import { parseArgs } from 'node:util';
import { jwtAuthenticator } from '../../shared/auth/jwt-authenticator.js';
import { startLocalServer } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    host: { type: 'string' },
  },
});

const port = Number(values.port ?? process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid port: ${values.port ?? process.env.PORT}`);
  process.exit(2);
}
const token = process.env.MREG_TOKEN || undefined;
const issuer = process.env.MREG_OIDC_ISSUER;
// With an OIDC issuer configured, bearer tokens are access-token JWTs verified against its keys.
const authenticate = issuer
  ? jwtAuthenticator({
      issuer,
      audience: process.env.MREG_OIDC_AUDIENCE ?? 'mreg',
      keys: new URL(process.env.MREG_OIDC_JWKS_URL ?? `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`),
      scopePrefix: process.env.MREG_OIDC_SCOPE_PREFIX ?? '',
    })
  : undefined;

// The web UI signs in with OIDC code + PKCE when the issuer is set and a public client is named.
const uiClientId = process.env.MREG_UI_CLIENT_ID;
const uiAuth =
  issuer && uiClientId
    ? {
        kind: 'oidc' as const,
        issuer,
        clientId: uiClientId,
        scopes: (process.env.MREG_UI_SCOPES ?? 'openid registry.read registry.write registry.admin').split(/\s+/),
      }
    : undefined;

try {
  const server = await startLocalServer({
    port,
    host: values.host ?? process.env.MREG_HOST ?? '127.0.0.1',
    dataDir: values['data-dir'] ?? process.env.MREG_DATA_DIR ?? '.mreg',
    ...(token ? { token } : {}),
    ...(authenticate ? { authenticate } : {}),
    ...(uiAuth ? { uiAuth } : {}),
  });
  console.log(`mreg listening on ${server.url} (data: ${values['data-dir'] ?? process.env.MREG_DATA_DIR ?? '.mreg'})`);
  console.log(`Web UI: ${server.url}/ui/   API reference: ${server.url}/docs`);
  if (!token && !authenticate)
    console.warn('MREG_TOKEN is not set: anyone on this machine can use the registry (loopback only).');
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
