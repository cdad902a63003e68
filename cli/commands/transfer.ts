/** `mreg push` and `mreg pull`: the bytes. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { duration, keyJson, keyValue, modelRef, positiveInt, size } from '../args.js';
import { UsageError } from '../errors.js';
import { collectFiles } from '../files.js';
import { HashCache } from '../hash-cache.js';
import { closest } from '../invocation.js';
import type { Act } from '../main.js';
import { formatBytes, formatDuration } from '../output.js';
import { pull } from '../pull.js';
import { MissingModelError, push } from '../push.js';
import { PushStateStore } from '../push-state.js';
import { examples } from './help-text.js';

interface PushFlags {
  label?: string;
  description?: string;
  format?: string;
  tag?: Record<string, string>;
  property?: Record<string, unknown>;
  run?: string;
  transient?: boolean;
  ttl?: number;
  create?: boolean;
  concurrency: number;
  partSize?: number;
}

const rate = (bytes: number, seconds: number) => (seconds > 0 ? `${formatBytes(bytes / seconds)}/s` : '');

/** The command line that repeats this push (what `mreg status` shows for an interrupted one). */
const commandLine = (argv: string[]) =>
  ['mreg', ...argv].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');

export function registerTransfer(program: Command, act: Act): void {
  program
    .command('push')
    .description('upload files as a new version of a model (only the bytes the registry lacks; resumable)')
    .argument('<model>', 'model name')
    .argument('<paths...>', 'files, or directories whose contents make up the version')
    .option('-l, --label <label>', 'a unique label for the version, e.g. 1.2.0')
    .option('-d, --description <text>', 'what changed')
    .option('--format <format>', 'e.g. onnx, safetensors, pickle')
    .option('--tag <key=value>', 'a tag (repeatable)', keyValue)
    .option('--property <key=json>', 'a property, JSON or a plain string (repeatable)', keyJson)
    .option('--run <id>', 'the run that produced it (lineage)')
    .option('--transient', 'a checkpoint that expires by itself (needs --ttl)')
    .option('--ttl <duration>', 'how long a --transient version lives: 90s, 30m, 1h, 7d', duration)
    .option('--create', 'create the model if it does not exist')
    .option('-c, --concurrency <n>', 'uploads in flight at once', positiveInt, 8)
    .option(
      '--part-size <size>',
      'upload files larger than this in parts of this size, e.g. 16MiB (default: the registry decides, 64 MiB or more)',
      size,
    )
    .addHelpText(
      'after',
      `
Paths: a file is pushed under its own name; a directory, as its contents (relative paths).
Identical bytes are never uploaded twice: files are hashed first (hashes are cached), and the
registry asks only for what it does not hold. An interrupted push resumes when run again.
${examples([
  'mreg push fraud model.onnx --label 1.2.0',
  'mreg push fraud ./model-dir --create --tag team=risk --property auc=0.91',
  'mreg push llm ./checkpoint --transient --ttl 6h --run 01J9Z3...',
  'mreg push llm ./weights --part-size 128MiB --concurrency 16',
  '# after an interruption, the same command continues where it stopped',
])}`,
    )
    .action(
      act(async (inv, model: string, paths: string[], opts: PushFlags) => {
        if (opts.transient && opts.ttl === undefined)
          throw new UsageError('--transient needs --ttl: how long the version lives, e.g. --ttl 1h');
        if (opts.ttl !== undefined && !opts.transient)
          throw new UsageError('--ttl is for --transient versions; add --transient, or leave --ttl out');
        const files = await collectFiles(paths);
        const started = performance.now();
        let result: Awaited<ReturnType<typeof push>>;
        try {
          result = await push(inv.client, {
            model,
            files,
            ...(opts.label ? { label: opts.label } : {}),
            ...(opts.description ? { description: opts.description } : {}),
            ...(opts.format ? { format: opts.format } : {}),
            ...(opts.tag ? { tags: opts.tag } : {}),
            ...(opts.property ? { properties: opts.property } : {}),
            ...(opts.run ? { runId: opts.run } : {}),
            ...(opts.ttl !== undefined ? { transientTtlSeconds: opts.ttl } : {}),
            ...(opts.partSize !== undefined ? { partSize: opts.partSize } : {}),
            concurrency: opts.concurrency,
            createModel: opts.create === true,
            hashCache: new HashCache(),
            state: new PushStateStore(),
            command: commandLine(process.argv.slice(2)),
            progress: inv.progress,
            notify: inv.notify,
          });
        } catch (e) {
          if (e instanceof MissingModelError) {
            const names = await inv.client.list<{ name: string }>('/v1/models', {}, 1000).catch(() => []);
            const guess = closest(
              model,
              names.map((m) => m.name),
            );
            if (guess) e.hints.unshift(`did you mean "${guess}"?`);
          }
          throw e;
        }
        const seconds = (performance.now() - started) / 1000;
        const v = result.version;
        const parts = [`${result.files} file(s), ${formatBytes(result.totalBytes)}`];
        if (result.uploadedBytes > 0)
          parts.push(
            `uploaded ${formatBytes(result.uploadedBytes)} in ${formatDuration(seconds)} (${rate(result.uploadedBytes, seconds)})`,
          );
        if (result.heldBytes > 0) parts.push(`${formatBytes(result.heldBytes)} already in the registry, not sent`);
        if (result.resumedBytes > 0) parts.push(`${formatBytes(result.resumedBytes)} sent by the interrupted run`);
        const message =
          result.replayed && result.uploadedBytes === 0 && result.resumedBytes === 0
            ? `${model} version ${v.version} was already pushed (${v.state}): ${parts[0]}`
            : `Pushed ${model} version ${v.version}${v.label ? ` (label ${v.label})` : ''}, ${v.state}: ${parts.join('; ')}`;
        inv.out.done(
          message,
          {
            model,
            version: v.version,
            label: v.label,
            state: v.state,
            files: result.files,
            totalBytes: result.totalBytes,
            uploadedBytes: result.uploadedBytes,
            heldBytes: result.heldBytes,
            resumedBytes: result.resumedBytes,
            replayed: result.replayed,
            seconds: Number(seconds.toFixed(3)),
          },
          String(v.version),
        );
        inv.out.note(`pull it with: mreg pull ${model}@${v.version}`);
      }),
    );

  program
    .command('pull')
    .description('download a version, every file checked against its SHA-256 before it is moved into place')
    .argument('<model[@ref]>', 'model, optionally @REF (default: latest)')
    .argument('[dest]', 'directory to put the files in (default: ./MODEL)')
    .option('-c, --concurrency <n>', 'files downloading at once', positiveInt, 4)
    .addHelpText(
      'after',
      `
REF: a number (3), -1 for the newest READY version (-2 the one before), an alias
(champion), or label:<label>. Files already present with the right SHA-256 are kept; a pull
that was interrupted continues where it stopped (ranged reads), and is verified at the end.
${examples([
  'mreg pull fraud',
  'mreg pull fraud@champion ./serving',
  'mreg pull fraud@label:1.2.0 /models/fraud',
  'mreg pull fraud@-2 --json',
])}`,
    )
    .action(
      act(async (inv, target: string, dest: string | undefined, opts: { concurrency: number }) => {
        const { model, ref } = modelRef(target);
        const started = performance.now();
        const result = await pull(inv.client, {
          model,
          ref,
          out: dest ?? `./${basename(model)}`,
          concurrency: opts.concurrency,
          hashCache: new HashCache(),
          progress: inv.progress,
          notify: inv.notify,
        });
        const seconds = (performance.now() - started) / 1000;
        const v = result.version;
        const total = result.files.reduce((a, f) => a + f.size, 0);
        const unchanged = result.files.filter((f) => f.outcome === 'unchanged').length;
        const parts = [`${result.files.length} file(s), ${formatBytes(total)}`];
        if (result.downloadedBytes > 0)
          parts.push(
            `downloaded ${formatBytes(result.downloadedBytes)} in ${formatDuration(seconds)} (${rate(result.downloadedBytes, seconds)})`,
          );
        if (result.resumedBytes > 0) parts.push(`${formatBytes(result.resumedBytes)} kept from the interrupted pull`);
        if (unchanged > 0) parts.push(`${unchanged} already up to date`);
        if (typeof v.source === 'string' && v.files.length === 0)
          inv.out.note(`version ${v.version} refers to ${v.source}: the registry holds no bytes for it`);
        inv.out.done(
          `Pulled ${model} version ${v.version}${v.label ? ` (label ${v.label})` : ''} into ${dest ?? `./${model}`}: ${parts.join('; ')}`,
          {
            model,
            version: v.version,
            label: v.label,
            dest: result.dest,
            files: result.files,
            downloadedBytes: result.downloadedBytes,
            resumedBytes: result.resumedBytes,
            seconds: Number(seconds.toFixed(3)),
          },
          result.dest,
        );
      }),
    );
}
