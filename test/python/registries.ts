/**
 * The local registries the Python client's tests run against, and the environment that tells
 * `python3 -m unittest` where they are: an open one (small multipart threshold and inline-hash
 * limit, so a few MiB exercise parts and the 202 PENDING commit) and one behind bearer tokens
 * (the real MREG_TOKEN check, plus a read-only token for 403s).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { localAuthenticator } from '../../functions/local/local-auth.js';
import type { Authenticator } from '../../shared/ports/auth.js';
import { discardEvents } from '../../shared/ports/event-sink.js';
import { type ForwardProxy, startForwardProxy } from '../support/forward-proxy.js';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';
import { startTlsFront, type TlsFront } from '../support/tls-front.js';

export const MIB = 1024 * 1024;

export interface PythonTestRegistries {
  open: TestRegistry;
  secured: TestRegistry;
  /** An HTTP proxy the tests route through (HTTP_PROXY, HTTPS_PROXY), and HTTPS in front of `open`. */
  proxy: ForwardProxy;
  tls: TlsFront;
  /** What the Python tests read (tests/support.py). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

function withReadOnlyToken(admin: Authenticator, readerToken: string): Authenticator {
  return async (request) => {
    const principal = await admin(request);
    if (principal) return principal;
    const given = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]?.trim();
    return given === readerToken ? { subject: 'reader', scopes: new Set(['registry.read']) } : undefined;
  };
}

export async function startPythonTestRegistries(): Promise<PythonTestRegistries> {
  const open = await startTestRegistry({
    settings: { multipartThresholdBytes: 8 * MIB, inlineHashMaxBytes: 4 * MIB },
    // Quiet: the registry's events would bury the unittest output.
    events: discardEvents,
  });
  const token = randomBytes(24).toString('base64url');
  const readerToken = randomBytes(24).toString('base64url');
  const secured = await startTestRegistry({
    authenticate: withReadOnlyToken(localAuthenticator(token), readerToken),
    events: discardEvents,
  });
  const proxy = await startForwardProxy();
  const tls = await startTlsFront(open.url);
  return {
    open,
    secured,
    proxy,
    tls,
    env: {
      MREG_TEST_URL: open.url,
      MREG_TEST_DATA_DIR: join(open.dir, 'data'),
      MREG_TEST_MULTIPART_THRESHOLD: String(8 * MIB),
      MREG_TEST_SECURED_URL: secured.url,
      MREG_TEST_TOKEN: token,
      MREG_TEST_READER_TOKEN: readerToken,
      MREG_TEST_PROXY_URL: proxy.url,
      MREG_TEST_PROXY_LOG_URL: proxy.logUrl,
      MREG_TEST_TLS_URL: tls.url,
      MREG_TEST_TLS_CA: tls.caFile,
    },
    stop: async () => {
      await open.stop();
      await secured.stop();
      await proxy.stop();
      await tls.stop();
    },
  };
}
