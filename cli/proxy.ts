/**
 * Proxies from the environment, as Node's undici reads them: `HTTP_PROXY` for http:// URLs,
 * `HTTPS_PROXY` for https:// ones (or `HTTP_PROXY` when it is unset), through a CONNECT tunnel,
 * `NO_PROXY` for hosts reached directly; lower-case names first. Credentials in the proxy URL go
 * out as Basic `Proxy-Authorization`. Node's own fetch ignores these variables, so when one is
 * set the CLI makes undici's EnvHttpProxyAgent the dispatcher of every fetch (API calls and
 * signed URLs alike). undici is loaded only then: a start without a proxy pays nothing for it.
 */
import { UsageError } from './errors.js';

let routed = false;

/** Installs the environment's proxy (if one is set) for this process's fetches. */
export async function routeThroughEnvironmentProxy(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const httpProxy = proxyUrl(env, 'http_proxy', 'HTTP_PROXY');
  const httpsProxy = proxyUrl(env, 'https_proxy', 'HTTPS_PROXY');
  if ((httpProxy === undefined && httpsProxy === undefined) || routed) return;
  const { EnvHttpProxyAgent, setGlobalDispatcher } = await import('undici');
  const noProxy = env.no_proxy ?? env.NO_PROXY;
  setGlobalDispatcher(
    new EnvHttpProxyAgent({
      ...(httpProxy !== undefined ? { httpProxy } : {}),
      ...(httpsProxy !== undefined ? { httpsProxy } : {}),
      ...(noProxy !== undefined ? { noProxy } : {}),
    }),
  );
  routed = true;
}

/** The variable's proxy URL (`host:port` alone means http://), or undefined when it is not set. */
function proxyUrl(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  const name = names.find((n) => env[n]);
  const value = name && env[name];
  if (!name || !value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    url = undefined;
  }
  // The proxy itself is spoken to in HTTP; https:// targets reach their host through its CONNECT tunnel.
  if (url?.protocol !== 'http:' || !url.hostname)
    throw new UsageError(`${name} must be an http://host:port URL, not ${withoutPassword(value)}`, [
      'https:// registries and buckets are reached through an http:// proxy, with CONNECT',
    ]);
  return url.href;
}

function withoutPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return JSON.stringify(value);
  }
}
