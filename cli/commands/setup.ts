/** `mreg login`, `mreg config show`, `mreg status`: where the registry is and whether it answers. */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { cacheDir, describeOrigin, maskToken, resolveConfig, saveConfig } from '../config.js';
import { CliError, EXIT, RegistryRequestError, UnreachableError } from '../errors.js';
import type { Act } from '../main.js';
import { PushStateStore } from '../push-state.js';
import { RegistryClient } from '../registry-client.js';
import { examples } from './help-text.js';
import { readSecret } from './prompt.js';

export function registerSetup(program: Command, act: Act): void {
  program
    .command('login')
    .description('save the registry URL and token to the config file (mode 0600), after checking them')
    .argument('[url]', 'the registry (default: the URL configured now)')
    .option('--no-verify', 'save without checking that the registry accepts the token')
    .addHelpText(
      'after',
      `
The token comes from --token, else it is asked for (typed without echo), else read from
stdin. An empty token is fine for a local registry open to loopback callers.
${examples([
  'mreg login http://127.0.0.1:8080',
  'mreg login https://registry.example.com --token "$TOKEN"',
  'echo "$TOKEN" | mreg login https://registry.example.com',
])}`,
    )
    .action(
      act(async (inv, urlArg: string | undefined, opts: { verify: boolean }) => {
        const url = urlArg ?? inv.config.url.value;
        const token = inv.flags.token ?? (await readSecret('Token (empty for none): '));
        if (opts.verify) {
          const client = new RegistryClient({ baseUrl: url, ...(token ? { token } : {}) });
          try {
            await client.call('GET', '/v1/models?pageSize=1');
          } catch (e) {
            if (e instanceof UnreachableError)
              throw new CliError(`cannot reach ${url}: ${e.reason}; nothing was saved`, EXIT.error, [
                'check the URL, or save it anyway with --no-verify',
              ]);
            if (e instanceof RegistryRequestError && (e.status === 401 || e.status === 403))
              throw new CliError(
                `${url} refused ${token ? 'this token' : 'a request without a token'} (${e.status}); nothing was saved`,
                EXIT.auth,
                [e.problem.detail ?? '', token ? 'check the token' : 'pass --token, or type it when asked'].filter(
                  Boolean,
                ),
              );
            throw e;
          }
        }
        const file = saveConfig({ url, ...(token ? { token } : {}) });
        inv.out.done(
          `Saved ${url}${token ? ' and its token' : ''} to ${file}`,
          { url, file, token: Boolean(token) },
          file,
        );
        for (const name of ['MREG_URL', 'MREG_TOKEN'])
          if (process.env[name]) inv.out.warn(`${name} is set in this environment and takes precedence over the file`);
      }),
    );

  const config = program.command('config').description('the configuration mreg uses, and where each value comes from');
  config
    .command('show')
    .description('print each setting, its value (the token masked) and its source')
    .addHelpText('after', examples(['mreg config show', 'MREG_URL=http://10.0.0.5:8080 mreg config show --json']))
    .action(
      act(async (inv) => {
        const resolved = resolveConfig({
          ...(inv.flags.url !== undefined ? { url: inv.flags.url } : {}),
          ...(inv.flags.token !== undefined ? { token: inv.flags.token } : {}),
        });
        for (const warning of resolved.warnings) inv.out.warn(warning);
        const fileMode = (() => {
          try {
            return (statSync(resolved.file).mode & 0o777).toString(8);
          } catch {
            return undefined;
          }
        })();
        const rows = [
          { setting: 'url', value: resolved.url.value, source: resolved.url.source, origin: resolved.url.origin },
          {
            setting: 'token',
            value: maskToken(resolved.token.value),
            source: resolved.token.source,
            origin: resolved.token.origin,
          },
          {
            setting: 'config file',
            value: resolved.file,
            source: fileMode ? `mode ${fileMode}` : 'absent',
            origin: '',
          },
          { setting: 'cache', value: cacheDir(), source: process.env.MREG_CACHE_DIR ? 'env' : 'default', origin: '' },
        ];
        inv.out.table(
          rows,
          [
            { header: 'setting', value: (r) => r.setting },
            { header: 'value', value: (r) => r.value },
            { header: 'source', value: (r) => r.source },
            { header: 'from', value: (r) => (r.source === 'default' || r.origin === '' ? '' : r.origin) },
          ],
          {
            url: resolved.url,
            token: { ...resolved.token, value: maskToken(resolved.token.value), set: Boolean(resolved.token.value) },
            file: { path: resolved.file, exists: fileMode !== undefined, ...(fileMode ? { mode: fileMode } : {}) },
            cacheDir: cacheDir(),
          },
        );
      }),
    );

  program
    .command('status')
    .description('is the registry reachable, does it accept the token, are pushes waiting to resume')
    .addHelpText('after', examples(['mreg status', 'mreg status --json']))
    .action(
      act(async (inv) => {
        const { url, token } = inv.config;
        const started = performance.now();
        let reachable = true;
        let reason: string | undefined;
        try {
          await inv.client.call('GET', '/healthz');
        } catch (e) {
          if (!(e instanceof UnreachableError)) throw e;
          reachable = false;
          reason = e.reason;
        }
        const latencyMs = Math.round(performance.now() - started);
        let access = 'unknown';
        if (reachable) {
          try {
            await inv.client.call('GET', '/v1/models?pageSize=1');
            access = 'ok';
          } catch (e) {
            if (!(e instanceof RegistryRequestError)) throw e;
            access = `${e.status} ${e.problem.detail ?? e.problem.title ?? ''}`.trim();
          }
        }
        const pending = (await new PushStateStore().list()).filter((s) => s.url === inv.client.baseUrl);
        inv.out.record(
          [
            ['registry', `${url.value} (${describeOrigin(url)})`],
            ['reachable', reachable ? `yes, ${latencyMs} ms` : `no: ${reason}`],
            ['token', `${maskToken(token.value)}${token.value ? ` (${describeOrigin(token)})` : ''}`],
            ['access', access],
            [
              'interrupted pushes',
              pending.length === 0
                ? 'none'
                : pending.map(
                    (p) => `${p.model}${p.version ? ` v${p.version}` : ''}: ${p.command ?? 'run the same push again'}`,
                  ),
            ],
          ],
          {
            url: url.value,
            urlSource: url.source,
            reachable,
            ...(reason ? { reason } : {}),
            latencyMs,
            token: Boolean(token.value),
            access,
            interruptedPushes: pending,
          },
          reachable && access === 'ok' ? 'ok' : 'failing',
        );
        if (!reachable) throw new UnreachableError(url.value, new Error(reason));
        if (access !== 'ok') throw new CliError(`the registry refused access: ${access}`, EXIT.auth);
      }),
    );
}
