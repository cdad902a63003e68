/** `mreg alias set|rm|history|ls`: movable names for versions (champion, production...). */
import type { Command } from 'commander';
import type { AliasMove, Model, VersionView } from '../api-types.js';
import { positiveInt } from '../args.js';
import type { Act } from '../main.js';
import { RegistryClient } from '../registry-client.js';
import { examples } from './help-text.js';

export function registerAliases(program: Command, act: Act): void {
  const alias = program.command('alias').description('point names like champion at versions, and see how they moved');

  alias
    .command('set')
    .description('point an alias at a version (moving it if it exists)')
    .argument('<model>', 'model name')
    .argument('<alias>', 'alias name (not a number, not starting with -)')
    .argument('<version>', 'a version number or any REF (-1, label:1.2.0, another alias)')
    .addHelpText('after', examples(['mreg alias set fraud champion 3', 'mreg alias set fraud staging -1']))
    .action(
      act(async (inv, model: string, name: string, ref: string) => {
        let version = Number(ref);
        if (!/^\d+$/.test(ref))
          version = (await inv.client.call<VersionView>('GET', RegistryClient.versionPath(model, ref))).body.version;
        const { body } = await inv.client.call<{ alias: string; version: number }>(
          'PUT',
          `${RegistryClient.modelPath(model)}/aliases/${encodeURIComponent(name)}`,
          { version },
        );
        inv.out.done(`${model}@${body.alias} → version ${body.version}`, { model, ...body }, String(body.version));
      }),
    );

  alias
    .command('rm')
    .alias('delete')
    .description('remove an alias (the version stays)')
    .argument('<model>', 'model name')
    .argument('<alias>', 'alias name')
    .addHelpText('after', examples(['mreg alias rm fraud staging']))
    .action(
      act(async (inv, model: string, name: string) => {
        await inv.client.call('DELETE', `${RegistryClient.modelPath(model)}/aliases/${encodeURIComponent(name)}`);
        inv.out.done(`Removed alias ${name} of ${model}`, { model, alias: name, removed: true });
      }),
    );

  alias
    .command('ls')
    .alias('list')
    .description("a model's aliases and their versions")
    .argument('<model>', 'model name')
    .addHelpText('after', examples(['mreg alias ls fraud']))
    .action(
      act(async (inv, model: string) => {
        const { body } = await inv.client.call<Model>('GET', RegistryClient.modelPath(model));
        const rows = Object.entries(body.aliases)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, version]) => ({ alias: name, version }));
        inv.out.table(rows, [
          { header: 'alias', value: (r) => r.alias },
          { header: 'version', value: (r) => r.version, align: 'right' },
        ]);
      }),
    );

  alias
    .command('history')
    .description('every move of an alias, oldest first')
    .argument('<model>', 'model name')
    .argument('<alias>', 'alias name')
    .option('--limit <n>', 'at most this many moves', positiveInt, 50)
    .addHelpText('after', examples(['mreg alias history fraud champion']))
    .action(
      act(async (inv, model: string, name: string, opts: { limit: number }) => {
        const moves = await inv.client.list<AliasMove>(
          `${RegistryClient.modelPath(model)}/aliases/${encodeURIComponent(name)}/history`,
          {},
          opts.limit,
        );
        inv.out.table(moves, [
          { header: 'at', value: (m) => inv.out.time(m.at) },
          { header: 'from', value: (m) => m.from ?? '-', align: 'right' },
          { header: 'to', value: (m) => m.to ?? '(removed)', align: 'right' },
          { header: 'by', value: (m) => m.actor },
        ]);
      }),
    );
}
