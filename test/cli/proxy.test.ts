/**
 * The `mreg` CLI behind a proxy (the real bin, its own HOME): API calls and signed URLs go
 * through HTTP_PROXY with its credentials, https:// through a CONNECT tunnel with the
 * certificate still checked, NO_PROXY hosts directly; a proxy URL it cannot use is a usage error.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliHome, cliHome } from '../support/cli-runner.js';
import { type ForwardProxy, startForwardProxy } from '../support/forward-proxy.js';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';
import { startTlsFront, type TlsFront } from '../support/tls-front.js';

const SLOW = 120_000;
let registry: TestRegistry;
let proxy: ForwardProxy;
let tls: TlsFront;
let home: CliHome;

beforeAll(async () => {
  registry = await startTestRegistry({ token: 'proxy-cli-token' });
  [proxy, tls] = await Promise.all([startForwardProxy(), startTlsFront(registry.url)]);
  home = await cliHome({ MREG_TOKEN: 'proxy-cli-token', NO_PROXY: '' });
});
afterAll(async () => {
  await home?.remove();
  await proxy?.stop();
  await tls?.stop();
  await registry?.stop();
});

/** What the proxy carries while `f` runs. */
async function carriedDuring(f: () => Promise<void>): Promise<string[]> {
  const before = proxy.log.length;
  await f();
  return proxy.log.slice(before);
}

const origin = () => new URL(registry.url).host;

it(
  'pushes and pulls through HTTP_PROXY with its credentials, signed URLs included',
  async () => {
    const bytes = randomBytes(4096);
    const file = join(home.dir, 'work', 'model.bin');
    await writeFile(file, bytes);
    const env = { MREG_URL: registry.url, HTTP_PROXY: proxy.url };
    let pulled = '';
    const carried = await carriedDuring(async () => {
      const pushed = await home.run(['push', 'proxied', file, '--create'], { env });
      expect(pushed.code, pushed.stderr).toBe(0);
      pulled = join(home.dir, 'work', 'out');
      const pull = await home.run(['pull', 'proxied@latest', pulled], { env });
      expect(pull.code, pull.stderr).toBe(0);
    });
    expect(
      createHash('sha256')
        .update(await readFile(join(pulled, 'model.bin')))
        .digest('hex'),
    ).toBe(createHash('sha256').update(bytes).digest('hex'));
    // undici tunnels every proxied connection: one CONNECT per connection it opens, none refused.
    expect(carried.length).toBeGreaterThan(0);
    expect(carried.every((line) => line === `CONNECT ${origin()}`)).toBe(true);
  },
  SLOW,
);

it(
  'reaches an https:// registry through a CONNECT tunnel, and still checks its certificate',
  async () => {
    const env = { MREG_URL: tls.url, HTTPS_PROXY: proxy.url };
    const carried = await carriedDuring(async () => {
      const trusted = await home.run(['models', 'ls', '--json'], { env: { ...env, NODE_EXTRA_CA_CERTS: tls.caFile } });
      expect(trusted.code, trusted.stderr).toBe(0);
      expect(JSON.parse(trusted.stdout)).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'proxied' })]),
      );
    });
    expect(carried).toContain(`CONNECT ${new URL(tls.url).host}`);
    const untrusted = await home.run(['models', 'ls'], { env });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain('TLS failed (DEPTH_ZERO_SELF_SIGNED_CERT)');
  },
  SLOW,
);

it(
  'goes directly to NO_PROXY hosts',
  async () => {
    const carried = await carriedDuring(async () => {
      const listed = await home.run(['models', 'ls'], {
        env: { MREG_URL: registry.url, HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' },
      });
      expect(listed.code, listed.stderr).toBe(0);
    });
    expect(carried).toEqual([]);
  },
  SLOW,
);

it(
  'gets the proxy 407 for wrong credentials, and a usage error naming a proxy URL it cannot use',
  async () => {
    const wrong = new URL(proxy.url);
    wrong.password = 'wrong';
    const carried = await carriedDuring(async () => {
      const refused = await home.run(['models', 'ls'], { env: { MREG_URL: registry.url, HTTP_PROXY: wrong.href } });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('the proxy answered 407 to CONNECT (check the credentials in the proxy URL)');
    });
    expect(carried[0]).toBe(`407 CONNECT ${origin()}`);
    const socks = await home.run(['models', 'ls'], {
      env: { MREG_URL: registry.url, HTTPS_PROXY: 'socks5://me:secret@127.0.0.1:1080' },
    });
    expect(socks.code).toBe(2);
    expect(socks.stderr).toContain('HTTPS_PROXY must be an http://host:port URL, not socks5://me:***@127.0.0.1:1080');
    expect(socks.stderr).not.toContain('secret');
  },
  SLOW,
);
