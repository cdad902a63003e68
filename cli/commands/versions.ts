/** `mreg versions ls|show|rm|archive`. */
import type { Command } from 'commander';
import { type Model, totalSize, type VersionView } from '../api-types.js';
import { keyValue, modelRef, positiveInt } from '../args.js';
import { UsageError } from '../errors.js';
import type { Act } from '../main.js';
import { type Column, formatBytes, type Output } from '../output.js';
import { RegistryClient } from '../registry-client.js';
import { examples } from './help-text.js';
import { confirm } from './prompt.js';

const REF_HELP = 'REF: a number (3), -1 for the newest READY version (-2 the one before), an alias, or label:<label>';

/** The columns of a version list, shared with `models show`. */
export function versionColumns(out: Output, aliases: Record<string, number>): Array<Column<VersionView>> {
  const aliasesOf = (n: number) =>
    Object.entries(aliases)
      .filter(([, v]) => v === n)
      .map(([a]) => a);
  return [
    { header: 'version', value: (v) => v.version, align: 'right' },
    { header: 'label', value: (v) => v.label ?? '' },
    { header: 'state', value: (v) => (out.mode.tty ? stateColor(out, v.state) : v.state) },
    { header: 'aliases', value: (v) => aliasesOf(v.version) },
    { header: 'files', value: (v) => v.files.length, align: 'right' },
    { header: 'size', value: (v) => (out.mode.tty ? formatBytes(totalSize(v)) : totalSize(v)), align: 'right' },
    { header: 'created', value: (v) => out.time(v.createdAt as string) },
  ];
}

function stateColor(out: Output, state: string): string {
  const c = out.colors;
  if (state === 'READY') return c.green(state);
  if (state === 'FAILED') return c.red(state);
  if (state === 'PENDING') return c.yellow(state);
  return c.dim(state);
}

/** `fraud 3`, `fraud@3` or just `fraud` (the default ref) into a model and a ref. */
export function refArgs(target: string, ref: string | undefined, fallback?: string): { model: string; ref: string } {
  const parsed = modelRef(target, ref ?? fallback ?? '');
  if (ref !== undefined && target.includes('@'))
    throw new UsageError(`give the version once: ${target} or ${target.split('@')[0]} ${ref}`);
  if (!parsed.ref)
    throw new UsageError(`which version of ${parsed.model}? e.g. ${parsed.model}@3 or ${parsed.model}@-1`);
  return parsed;
}

export function registerVersions(program: Command, act: Act): void {
  const versions = program.command('versions').description("list, inspect, archive and delete a model's versions");

  versions
    .command('ls')
    .alias('list')
    .description('list the versions of a model, newest first')
    .argument('<model>', 'model name')
    .option('--limit <n>', 'at most this many', positiveInt, 20)
    .option('--tag <key=value>', 'only versions with this tag (repeatable)', keyValue)
    .option('--run <id>', 'only versions made by this run')
    .option('--state <state>', 'only versions in this state (READY, PENDING, FAILED, ARCHIVED)')
    .addHelpText('after', examples(['mreg versions ls fraud', 'mreg versions ls fraud --state READY --limit 5']))
    .action(
      act(
        async (
          inv,
          model: string,
          opts: { limit: number; tag?: Record<string, string>; run?: string; state?: string },
        ) => {
          const clauses = [
            ...Object.entries(opts.tag ?? {}).map(([k, v]) => `tags.${k}=${v}`),
            ...(opts.run ? [`runId=${opts.run}`] : []),
            ...(opts.state ? [`state=${opts.state.toUpperCase()}`] : []),
          ];
          const path = RegistryClient.modelPath(model);
          const [{ body: found }, items] = await Promise.all([
            inv.client.call<Model>('GET', path),
            inv.client.list<VersionView>(
              `${path}/versions`,
              clauses.length > 0 ? { filter: clauses.join(' and ') } : {},
              opts.limit,
            ),
          ]);
          inv.out.table(items, versionColumns(inv.out, found.aliases));
        },
      ),
    );

  versions
    .command('show')
    .description("a version's details and files")
    .argument('<model[@ref]>', 'model, optionally @REF (default: latest)')
    .argument('[ref]', 'the version, if not given with @')
    .addHelpText(
      'after',
      `\n${REF_HELP}\n${examples(['mreg versions show fraud', 'mreg versions show fraud@champion', 'mreg versions show fraud 3 --json'])}`,
    )
    .action(
      act(async (inv, target: string, refArg: string | undefined) => {
        const { model, ref } = refArgs(target, refArg, 'latest');
        const { body: v } = await inv.client.call<VersionView>('GET', RegistryClient.versionPath(model, ref));
        inv.out.record(
          [
            ['model', v.model],
            ['version', v.version],
            ['label', v.label],
            ['state', v.state],
            ['approval', v.approval],
            ['description', v.description],
            ['format', v.format],
            ['run', v.runId],
            [
              'retention',
              v.retention === 'transient' ? `transient, expires ${inv.out.time(v.expiresAt)}` : v.retention,
            ],
            ['tags', v.tags],
            ['properties', v.properties],
            ['source', v.source],
            ['size', `${formatBytes(totalSize(v))} in ${v.files.length} file(s)`],
            ['created', `${inv.out.time(v.createdAt)} by ${String(v.createdBy ?? '')}`],
            ['verification', v.verification?.reasons.length ? v.verification.reasons.join('; ') : undefined],
          ],
          v,
          String(v.version),
        );
        if (inv.out.mode.tty && !inv.out.mode.quiet && !inv.out.mode.json && v.files.length > 0) {
          inv.out.heading('Files');
          inv.out.table(v.files, [
            { header: 'path', value: (f) => f.path },
            { header: 'size', value: (f) => formatBytes(f.size), align: 'right' },
            { header: 'sha256', value: (f) => f.sha256 },
          ]);
        }
      }),
    );

  versions
    .command('rm')
    .alias('delete')
    .description('delete a version (its aliases go with it)')
    .argument('<model@ref>', 'the version, e.g. fraud@3')
    .argument('[ref]', 'the version, if not given with @')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', `\n${REF_HELP}\n${examples(['mreg versions rm fraud@3', 'mreg versions rm fraud 3 --yes'])}`)
    .action(
      act(async (inv, target: string, refArg: string | undefined, opts: { yes?: boolean }) => {
        const { model, ref } = refArgs(target, refArg);
        const path = RegistryClient.versionPath(model, ref);
        const { body: v } = await inv.client.call<VersionView>('GET', path);
        if (!(await confirm(`Delete version ${v.version} of ${model}?`, opts.yes))) {
          inv.out.note('nothing deleted');
          return;
        }
        await inv.client.call('DELETE', RegistryClient.versionPath(model, String(v.version)));
        inv.out.done(
          `Deleted version ${v.version} of ${model}`,
          { model, version: v.version, deleted: true },
          String(v.version),
        );
      }),
    );

  versions
    .command('archive')
    .description('archive a READY version: it stays pullable by number, leaves latest and -k')
    .argument('<model@ref>', 'the version, e.g. fraud@3')
    .argument('[ref]', 'the version, if not given with @')
    .addHelpText('after', `\n${REF_HELP}\n${examples(['mreg versions archive fraud@2'])}`)
    .action(
      act(async (inv, target: string, refArg: string | undefined) => {
        const { model, ref } = refArgs(target, refArg);
        const { body: v } = await inv.client.call<VersionView>(
          'POST',
          `${RegistryClient.versionPath(model, ref)}/archive`,
        );
        inv.out.done(`Archived version ${v.version} of ${model}`, v, String(v.version));
      }),
    );
}
