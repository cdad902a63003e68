/** `mreg models ls|show|create|rm`. */
import type { Command } from 'commander';
import type { Model, ModelSummary, VersionView } from '../api-types.js';
import { keyJson, keyValue, positiveInt } from '../args.js';
import type { Act } from '../main.js';
import { RegistryClient } from '../registry-client.js';
import { examples } from './help-text.js';
import { confirm } from './prompt.js';
import { versionColumns } from './versions.js';

const truncate = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

export function registerModels(program: Command, act: Act): void {
  const models = program.command('models').description('list, inspect, create and delete models');

  models
    .command('ls')
    .alias('list')
    .description('list models')
    .option('--prefix <prefix>', 'only names starting with this')
    .option('--tag <key=value>', 'only models with this tag (repeatable)', keyValue)
    .option('--limit <n>', 'at most this many', positiveInt, 100)
    .addHelpText(
      'after',
      examples([
        'mreg models ls',
        'mreg models ls --prefix fraud --tag team=risk',
        "mreg models ls --json | jq -r '.[].name'",
      ]),
    )
    .action(
      act(async (inv, opts: { prefix?: string; tag?: Record<string, string>; limit: number }) => {
        const clauses = [
          ...(opts.prefix ? [`name^=${opts.prefix}`] : []),
          ...Object.entries(opts.tag ?? {}).map(([k, v]) => `tags.${k}=${v}`),
        ];
        const query: Record<string, string> = clauses.length > 0 ? { filter: clauses.join(' and ') } : {};
        const items = await inv.client.list<ModelSummary>('/v1/models', query, opts.limit);
        inv.out.table(items, [
          { header: 'name', value: (m) => m.name },
          { header: 'description', value: (m) => (inv.out.mode.tty ? truncate(m.description, 48) : m.description) },
          { header: 'tags', value: (m) => m.tags },
          { header: 'owner', value: (m) => m.owner },
          { header: 'updated', value: (m) => inv.out.time(m.updatedAt) },
        ]);
      }),
    );

  models
    .command('show')
    .description("a model's details, aliases and newest versions")
    .argument('<model>', 'model name')
    .option('--versions <n>', 'how many recent versions to show', positiveInt, 5)
    .addHelpText('after', examples(['mreg models show fraud', 'mreg models show fraud --json']))
    .action(
      act(async (inv, name: string, opts: { versions: number }) => {
        const path = RegistryClient.modelPath(name);
        const [{ body: model }, versions] = await Promise.all([
          inv.client.call<Model>('GET', path),
          inv.client.list<VersionView>(`${path}/versions`, {}, opts.versions),
        ]);
        inv.out.record(
          [
            ['name', model.name],
            ['description', model.description],
            ['state', model.state],
            ['owner', model.owner],
            ['maintainers', model.maintainers],
            ['latest version', model.latestVersion],
            [
              'aliases',
              Object.entries(model.aliases)
                .map(([a, v]) => `${a} → ${v}`)
                .join(', '),
            ],
            ['tags', model.tags],
            ['properties', model.properties],
            ['created', `${inv.out.time(model.createdAt)} by ${model.createdBy}`],
            ['updated', inv.out.time(model.updatedAt)],
          ],
          { ...model, versions },
          model.name,
        );
        if (inv.out.mode.tty && !inv.out.mode.quiet && !inv.out.mode.json && versions.length > 0) {
          inv.out.heading('Recent versions');
          inv.out.table(versions, versionColumns(inv.out, model.aliases));
        }
      }),
    );

  models
    .command('create')
    .description('create a model')
    .argument('<model>', 'name: 1-128 of A-Z a-z 0-9 . _ -')
    .option('-d, --description <text>', 'what the model is')
    .option('--tag <key=value>', 'a tag (repeatable)', keyValue)
    .option('--property <key=json>', 'a property, JSON or a plain string (repeatable)', keyJson)
    .option(
      '--maintainer <subject>',
      'a subject allowed to write it besides its owner (repeatable)',
      (v, prev: string[] = []) => [...prev, v],
    )
    .addHelpText(
      'after',
      examples([
        'mreg models create fraud -d "card fraud scorer" --tag team=risk',
        'mreg models create churn --property \'metrics=["auc","f1"]\'',
      ]),
    )
    .action(
      act(
        async (
          inv,
          name: string,
          opts: {
            description?: string;
            tag?: Record<string, string>;
            property?: Record<string, unknown>;
            maintainer?: string[];
          },
        ) => {
          const body: Record<string, unknown> = { name };
          if (opts.description) body.description = opts.description;
          if (opts.tag) body.tags = opts.tag;
          if (opts.property) body.properties = opts.property;
          if (opts.maintainer) body.maintainers = opts.maintainer;
          const { body: model } = await inv.client.call<Model>('POST', '/v1/models', body);
          inv.out.done(`Created model ${model.name}`, model, model.name);
        },
      ),
    );

  models
    .command('rm')
    .alias('delete')
    .description('delete a model (refused while it has READY versions, unless --force)')
    .argument('<model>', 'model name')
    .option('--force', 'delete its versions too')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples(['mreg models rm scratch', 'mreg models rm old-model --force --yes']))
    .action(
      act(async (inv, name: string, opts: { force?: boolean; yes?: boolean }) => {
        const path = RegistryClient.modelPath(name);
        const { body: model } = await inv.client.call<Model>('GET', path);
        const what = opts.force ? `model ${name} and its ${model.latestVersion} version(s)` : `model ${name}`;
        if (!(await confirm(`Delete ${what}?`, opts.yes))) {
          inv.out.note('nothing deleted');
          return;
        }
        await inv.client.call('DELETE', `${path}${opts.force ? '?force=true' : ''}`);
        inv.out.done(`Deleted ${what}`, { deleted: name }, name);
      }),
    );
}
