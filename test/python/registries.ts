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
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';

export const MIB = 1024 * 1024;

export interface PythonTestRegistries {
  open: TestRegistry;
  secured: TestRegistry;
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
  return {
    open,
    secured,
    env: {
      MREG_TEST_URL: open.url,
      MREG_TEST_DATA_DIR: join(open.dir, 'data'),
      MREG_TEST_MULTIPART_THRESHOLD: String(8 * MIB),
      MREG_TEST_SECURED_URL: secured.url,
      MREG_TEST_TOKEN: token,
      MREG_TEST_READER_TOKEN: readerToken,
    },
    stop: async () => {
      await open.stop();
      await secured.stop();
    },
  };
}
