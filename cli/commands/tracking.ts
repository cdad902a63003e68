/** `mreg experiments`, `mreg runs ls|show|create|finish`, `mreg metrics log|history`. */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Experiment, MetricPoint, Run } from '../api-types.js';
import { keyValue, positiveInt } from '../args.js';
import { CliError, EXIT, RegistryRequestError } from '../errors.js';
import type { Invocation } from '../invocation.js';
import type { Act } from '../main.js';
import { examples } from './help-text.js';

const ID = /^[0-9A-Z]{26}$/;
const STATUSES = ['FINISHED', 'FAILED', 'KILLED'];

/** An experiment by id or by name; `create`: made when missing (as MLflow's set_experiment does). */
async function experimentOf(inv: Invocation, nameOrId: string, create = false): Promise<Experiment> {
  if (ID.test(nameOrId)) {
    try {
      return (await inv.client.call<Experiment>('GET', `/v1/experiments/${nameOrId}`)).body;
    } catch (e) {
      if (!(e instanceof RegistryRequestError && e.status === 404)) throw e;
    }
  }
  const all = await inv.client.list<Experiment>('/v1/experiments', {}, 10_000);
  const found = all.find((x) => x.name === nameOrId);
  if (found) return found;
  if (!create)
    throw new CliError(`experiment "${nameOrId}" not found`, EXIT.notFound, [
      all.length > 0
        ? `experiments: ${all
            .map((x) => x.name)
            .slice(0, 10)
            .join(', ')}`
        : 'there are no experiments yet',
    ]);
  try {
    const made = (await inv.client.call<Experiment>('POST', '/v1/experiments', { name: nameOrId })).body;
    inv.out.note(`created experiment ${made.name}`);
    return made;
  } catch (e) {
    // Created meanwhile by someone else.
    if (e instanceof RegistryRequestError && e.status === 409) return experimentOf(inv, nameOrId);
    throw e;
  }
}

function runColumns(inv: Invocation) {
  return [
    { header: 'id', value: (r: Run) => r.id },
    { header: 'name', value: (r: Run) => r.name },
    { header: 'status', value: (r: Run) => r.status },
    { header: 'started', value: (r: Run) => inv.out.time(r.startTime) },
    { header: 'ended', value: (r: Run) => inv.out.time(r.endTime) },
    { header: 'metrics', value: (r: Run) => r.latestMetrics },
  ];
}

function showRun(inv: Invocation, run: Run): void {
  inv.out.record(
    [
      ['id', run.id],
      ['name', run.name],
      ['experiment', run.experimentId],
      ['status', run.status],
      ['started', inv.out.time(run.startTime)],
      ['ended', inv.out.time(run.endTime)],
      ['params', run.params],
      ['metrics', run.latestMetrics],
      ['tags', run.tags],
      ['model versions', run.modelVersions.map((v) => `${v.model}@${v.version}`)],
    ],
    run,
    run.id,
  );
}

/** `loss=0.31` into a metric point. */
function metricArg(raw: string, previous: Array<{ key: string; value: number }> = []) {
  const at = raw.lastIndexOf('=');
  const value = Number(raw.slice(at + 1));
  if (at <= 0 || raw.slice(at + 1).trim() === '' || !Number.isFinite(value))
    throw new InvalidArgumentError(`expected key=number, got "${raw}"`);
  return [...previous, { key: raw.slice(0, at), value }];
}

export function registerTracking(program: Command, act: Act): void {
  const experiments = program.command('experiments').description('list and create experiments (groups of runs)');
  experiments
    .command('ls')
    .alias('list')
    .description('list experiments')
    .option('--limit <n>', 'at most this many', positiveInt, 100)
    .addHelpText('after', examples(['mreg experiments ls']))
    .action(
      act(async (inv, opts: { limit: number }) => {
        const items = await inv.client.list<Experiment>('/v1/experiments', {}, opts.limit);
        inv.out.table(items, [
          { header: 'name', value: (x) => x.name },
          { header: 'id', value: (x) => x.id },
          { header: 'description', value: (x) => x.description },
          { header: 'created', value: (x) => inv.out.time(x.createdAt) },
        ]);
      }),
    );
  experiments
    .command('create')
    .description('create an experiment (names are unique)')
    .argument('<name>', 'experiment name')
    .option('-d, --description <text>', 'what it is about')
    .addHelpText('after', examples(['mreg experiments create churn -d "weekly churn model"']))
    .action(
      act(async (inv, name: string, opts: { description?: string }) => {
        const { body } = await inv.client.call<Experiment>('POST', '/v1/experiments', {
          name,
          ...(opts.description ? { description: opts.description } : {}),
        });
        inv.out.done(`Created experiment ${body.name} (${body.id})`, body, body.id);
      }),
    );

  const runs = program.command('runs').description('training runs: their params, metrics and the versions they made');
  runs
    .command('ls')
    .alias('list')
    .description("list an experiment's runs")
    .requiredOption('-e, --experiment <name|id>', 'the experiment')
    .option('--limit <n>', 'at most this many', positiveInt, 100)
    .addHelpText('after', examples(['mreg runs ls -e churn', 'mreg runs ls -e churn --json']))
    .action(
      act(async (inv, opts: { experiment: string; limit: number }) => {
        const experiment = await experimentOf(inv, opts.experiment);
        const items = await inv.client.list<Run>(`/v1/experiments/${experiment.id}/runs`, {}, opts.limit);
        inv.out.table(items, runColumns(inv));
      }),
    );
  runs
    .command('show')
    .description("a run's params, latest metrics and model versions")
    .argument('<run-id>', 'the run')
    .addHelpText('after', examples(['mreg runs show 01J9Z3X4Y5...']))
    .action(
      act(async (inv, id: string) => {
        showRun(inv, (await inv.client.call<Run>('GET', `/v1/runs/${encodeURIComponent(id)}`)).body);
      }),
    );
  runs
    .command('create')
    .description('start a run (the experiment is created if missing); prints its id')
    .requiredOption('-e, --experiment <name|id>', 'the experiment')
    .option('-n, --name <name>', 'a name for the run')
    .option('-p, --param <key=value>', 'a parameter (repeatable; write-once)', keyValue)
    .option('--tag <key=value>', 'a tag (repeatable)', keyValue)
    .addHelpText(
      'after',
      examples([
        'RUN=$(mreg runs create -q -e churn -p lr=0.01 -p depth=6)',
        'mreg metrics log $RUN loss=0.31 --step 1',
        'mreg push churn ./model --run $RUN',
        'mreg runs finish $RUN',
      ]),
    )
    .action(
      act(
        async (
          inv,
          opts: { experiment: string; name?: string; param?: Record<string, string>; tag?: Record<string, string> },
        ) => {
          const experiment = await experimentOf(inv, opts.experiment, true);
          const { body } = await inv.client.call<Run>('POST', `/v1/experiments/${experiment.id}/runs`, {
            ...(opts.name ? { name: opts.name } : {}),
            ...(opts.param ? { params: opts.param } : {}),
            ...(opts.tag ? { tags: opts.tag } : {}),
          });
          inv.out.done(`Started run ${body.id} in ${experiment.name}`, body, body.id);
        },
      ),
    );
  runs
    .command('finish')
    .description('end a run (FINISHED unless --status says otherwise)')
    .argument('<run-id>', 'the run')
    .option(
      '--status <status>',
      `one of ${STATUSES.join(', ')}`,
      (v) => {
        const s = v.toUpperCase();
        if (!STATUSES.includes(s)) throw new InvalidArgumentError(`expected one of ${STATUSES.join(', ')}`);
        return s;
      },
      'FINISHED',
    )
    .addHelpText('after', examples(['mreg runs finish $RUN', 'mreg runs finish $RUN --status FAILED']))
    .action(
      act(async (inv, id: string, opts: { status: string }) => {
        const { body } = await inv.client.call<Run>('PATCH', `/v1/runs/${encodeURIComponent(id)}`, {
          status: opts.status,
        });
        inv.out.done(`Run ${body.id} is ${body.status}`, body, body.status);
      }),
    );

  const metrics = program.command('metrics').description("log and read a run's metric series");
  metrics
    .command('log')
    .description('log metric values at a step')
    .argument('<run-id>', 'the run')
    .argument('<key=value...>', 'values, e.g. loss=0.31 acc=0.92', (v, prev: Array<{ key: string; value: number }>) =>
      metricArg(v, prev),
    )
    .option('-s, --step <n>', 'the step (default 0)', (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${v}"`);
      return n;
    })
    .addHelpText('after', examples(['mreg metrics log $RUN loss=0.31 acc=0.92 --step 10']))
    .action(
      act(async (inv, id: string, points: Array<{ key: string; value: number }>, opts: { step?: number }) => {
        const { body } = await inv.client.call<{ written: number }>(
          'POST',
          `/v1/runs/${encodeURIComponent(id)}/metrics`,
          {
            metrics: points.map((p) => ({ ...p, ...(opts.step !== undefined ? { step: opts.step } : {}) })),
          },
        );
        inv.out.done(`Logged ${body.written} value(s) to run ${id}`, body, String(body.written));
      }),
    );
  metrics
    .command('history')
    .description('a metric series, by step')
    .argument('<run-id>', 'the run')
    .argument('<key>', 'the metric')
    .option('--limit <n>', 'at most this many points', positiveInt, 10_000)
    .addHelpText('after', examples(['mreg metrics history $RUN loss', 'mreg metrics history $RUN loss --json']))
    .action(
      act(async (inv, id: string, key: string, opts: { limit: number }) => {
        const points = await inv.client.list<MetricPoint>(
          `/v1/runs/${encodeURIComponent(id)}/metrics/${encodeURIComponent(key)}`,
          {},
          opts.limit,
        );
        inv.out.table(points, [
          { header: 'step', value: (p) => p.step, align: 'right' },
          { header: 'value', value: (p) => p.value, align: 'right' },
          { header: 'time', value: (p) => inv.out.time(new Date(p.timestamp).toISOString()) },
        ]);
      }),
    );
}
