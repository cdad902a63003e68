/**
 * `mreg`, the command-line client.
 *   mreg push <model> <file|dir>... [--label L] [--format F] [--transient SECONDS]
 *   mreg pull <model> [ref] [--out DIR]
 *   mreg models | mreg versions <model> | mreg alias <model> <alias> <version>
 * Server: --url or MREG_URL (default http://127.0.0.1:8080); token: MREG_TOKEN.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pull } from './pull.js';
import { push } from './push.js';
import { RegistryClient, RegistryRequestError } from './registry-client.js';

async function expand(paths: string[]): Promise<{ files: string[]; root: string }> {
  const files: string[] = [];
  let root = process.cwd();
  for (const p of paths) {
    const full = resolve(p);
    if ((await stat(full)).isDirectory()) {
      root = full;
      const walk = async (dir: string): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const child = join(dir, entry.name);
          if (entry.isDirectory()) await walk(child);
          else if (entry.isFile()) files.push(child);
        }
      };
      await walk(full);
    } else files.push(full);
  }
  return { files, root };
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      label: { type: 'string' },
      format: { type: 'string' },
      description: { type: 'string' },
      transient: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const token = process.env.MREG_TOKEN;
  const client = new RegistryClient({
    baseUrl: values.url ?? process.env.MREG_URL ?? 'http://127.0.0.1:8080',
    ...(token ? { token } : {}),
  });
  const [command, ...rest] = positionals;
  const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));
  try {
    switch (command) {
      case 'push': {
        const [model, ...paths] = rest;
        if (!model || paths.length === 0) throw new Error('usage: mreg push <model> <file|dir>...');
        const { files, root } = await expand(paths);
        const version = await push(client, {
          model,
          files,
          root,
          ...(values.label ? { label: values.label } : {}),
          ...(values.format ? { format: values.format } : {}),
          ...(values.description ? { description: values.description } : {}),
          ...(values.transient ? { transientTtlSeconds: Number(values.transient) } : {}),
        });
        print({ model: version.model, version: version.version, state: version.state });
        return 0;
      }
      case 'pull': {
        const [model, ref = 'latest'] = rest;
        if (!model) throw new Error('usage: mreg pull <model> [ref] [--out DIR]');
        const version = await pull(client, { model, ref, out: values.out ?? '.' });
        print({ model: version.model, version: version.version, files: version.files.length });
        return 0;
      }
      case 'models':
        print((await client.call('GET', '/v1/models')).body);
        return 0;
      case 'versions':
        print((await client.call('GET', `${RegistryClient.modelPath(rest[0] ?? '')}/versions`)).body);
        return 0;
      case 'alias': {
        const [model = '', alias = '', version = ''] = rest;
        print(
          (
            await client.call('PUT', `${RegistryClient.modelPath(model)}/aliases/${alias}`, {
              version: Number(version),
            })
          ).body,
        );
        return 0;
      }
      default:
        console.error('usage: mreg push|pull|models|versions|alias ...');
        return 2;
    }
  } catch (e) {
    if (e instanceof RegistryRequestError) {
      console.error(`mreg: ${e.message}`);
      for (const issue of e.problem.errors ?? []) console.error(`  ${issue.field}: ${issue.message}`);
      return 1;
    }
    console.error(`mreg: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main(process.argv.slice(2));
