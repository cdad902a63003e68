/**
 * A third-party MLflow client (the npm package `mlflow`, a Node client of MLflow's tracking
 * REST API) drives the tracking flow against the real local server over HTTP, with a bearer
 * token as MLFLOW_TRACKING_TOKEN would send it. The package prints every POST body; its
 * `experiments.list` (removed in MLflow 2) and `setExperimentTag` (a missing slash) are broken
 * against any server and are not used.
 */
import * as mlflowPackage from 'mlflow';
import { RunStatus } from 'mlflow/lib/enum.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../support/local-registry.js';

// The package is CommonJS (`module.exports = the class`) with ES-style typings: take the class by hand.
type MLflowClient = typeof import('mlflow/lib/mlflow.js').default;
const MLflow = (mlflowPackage as unknown as { default: MLflowClient }).default;

const TOKEN = 'node-client-token';

let registry: TestRegistry;
let mlflow: InstanceType<typeof MLflow>;

beforeAll(async () => {
  registry = await startTestRegistry({ token: TOKEN });
  mlflow = new MLflow({ endpoint: registry.url, headers: { Authorization: `Bearer ${TOKEN}` } });
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterAll(async () => {
  vi.restoreAllMocks();
  await registry?.stop();
});

describe('the npm mlflow client against the local server', () => {
  it('creates an experiment, runs, logs params, metrics and tags, searches, finishes, and reads history', async () => {
    const { experiment_id: experimentId } = await mlflow.Experiments.create({
      name: 'node client experiment',
      artifact_location: '',
    });
    expect(typeof experimentId).toBe('string');
    const { experiment } = await mlflow.Experiments.get({ experiment_id: experimentId });
    expect(experiment).toMatchObject({
      experiment_id: experimentId,
      name: 'node client experiment',
      lifecycle_stage: 'active',
    });
    await mlflow.Experiments.update({ experiment_id: experimentId, new_name: 'node client renamed' });

    const runIds: string[] = [];
    for (const lr of ['0.1', '0.2']) {
      const { run } = await mlflow.Runs.create({
        experiment_id: experimentId,
        user_id: 'node',
        start_time: Date.now(),
        tags: [{ key: 'mlflow.runName', value: `lr-${lr}` }],
      });
      const runId: string = run.info.run_id;
      runIds.push(runId);
      await mlflow.Runs.logParameter({ run_id: runId, key: 'lr', value: lr });
      for (let step = 0; step < 3; step++)
        await mlflow.Runs.logMetric({
          run_id: runId,
          key: 'loss',
          value: Number(lr) / (step + 1),
          timestamp: Date.now(),
          step,
        });
      await mlflow.Runs.logBatch({
        run_id: runId,
        metrics: [{ key: 'acc', value: 1 - Number(lr), timestamp: Date.now(), step: 0 }],
        params: [{ key: 'depth', value: '6' }],
        tags: [{ key: 'team', value: 'risk' }],
      });
      await mlflow.Runs.setTag({ run_id: runId, key: 'tmp', value: 'x' });
      await mlflow.Runs.deleteTag({ run_id: runId, key: 'tmp' });
      await mlflow.Runs.update({ run_id: runId, status: RunStatus.FINISHED, end_time: Date.now() });
    }

    const [first = '', second = ''] = runIds;
    const { run } = await mlflow.Runs.get({ run_id: first });
    expect(run.info).toMatchObject({ run_id: runIds[0], run_name: 'lr-0.1', status: 'FINISHED' });
    expect(run.data.params).toEqual(
      expect.arrayContaining([
        { key: 'lr', value: '0.1' },
        { key: 'depth', value: '6' },
      ]),
    );
    expect(run.data.tags).toContainEqual({ key: 'team', value: 'risk' });
    expect(run.data.tags.find((t: { key: string }) => t.key === 'tmp')).toBeUndefined();

    const history = await mlflow.Metrics.getHistory({ run_id: second, metric_key: 'loss' });
    expect(history.metrics.map((m: { step: number; value: number }) => [m.step, m.value])).toEqual([
      [0, 0.2],
      [1, 0.1],
      [2, 0.2 / 3],
    ]);

    const found = await mlflow.Runs.search({
      experiment_ids: [experimentId],
      filter: "params.lr = '0.2' and metrics.acc > 0.5",
      order_by: ['metrics.acc DESC'],
    });
    expect(found.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runIds[1]]);
    const all = await mlflow.Runs.search({
      experiment_ids: [experimentId],
      order_by: ['metrics.acc DESC'],
      max_results: 1,
    });
    expect(all.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runIds[0]]);
    expect(typeof all.next_page_token).toBe('string');

    const listed = await mlflow.Artifacts.list({ run_id: first, path: '' });
    expect(listed.root_uri).toBe(`mlflow-artifacts:/${experimentId}/${runIds[0]}/artifacts`);

    await mlflow.Runs.delete({ run_id: second });
    const active = await mlflow.Runs.search({ experiment_ids: [experimentId] });
    expect(active.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runIds[0]]);
    await mlflow.Runs.restore({ run_id: second });
    await mlflow.Experiments.delete({ experiment_id: experimentId });
    expect((await mlflow.Experiments.get({ experiment_id: experimentId })).experiment.lifecycle_stage).toBe('deleted');
    await mlflow.Experiments.restore({ experiment_id: experimentId });

    // The same runs through the registry's own API.
    const native = await registry.json<{ items: Array<{ id: string; params: Record<string, string> }> }>(
      'GET',
      `/v1/experiments/${experimentId}/runs`,
      undefined,
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(native.body.items.map((r) => r.id).sort()).toEqual([...runIds].sort());
  });

  it('pages newest first through an experiment with more runs than a search may scan', async () => {
    // A registry that scans at most 5 runs per search: the default order reads the start-time index instead.
    const small = await startTestRegistry({ token: TOKEN, settings: { maxSearchedRuns: 5 } });
    try {
      const client = new MLflow({ endpoint: small.url, headers: { Authorization: `Bearer ${TOKEN}` } });
      const { experiment_id: experimentId } = await client.Experiments.create({ name: 'sweep', artifact_location: '' });
      const made: Array<{ id: string; start: number }> = [];
      for (let i = 0; i < 12; i++) {
        const { run } = await client.Runs.create({
          experiment_id: experimentId,
          user_id: 'node',
          start_time: Date.now(),
        });
        made.push({ id: run.info.run_id, start: Number(run.info.start_time) });
      }
      await client.Runs.delete({ run_id: made[4]?.id ?? '' });
      const newestFirst = made
        .filter((_, i) => i !== 4)
        .sort((a, b) => b.start - a.start || (a.id < b.id ? -1 : 1))
        .map((r) => r.id);
      const seen: string[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < 10; page++) {
        const found = await client.Runs.search({
          experiment_ids: [experimentId],
          max_results: 4,
          ...(pageToken ? { page_token: pageToken } : {}),
        });
        seen.push(...(found.runs ?? []).map((r: { info: { run_id: string } }) => r.info.run_id));
        pageToken = found.next_page_token;
        if (!pageToken) break;
      }
      expect(seen).toEqual(newestFirst);
      // Another order still scans: more runs than 5 is MLflow's INVALID_PARAMETER_VALUE.
      await expect(
        client.Runs.search({ experiment_ids: [experimentId], order_by: ['attributes.run_name ASC'] }),
      ).rejects.toThrow(/INVALID_PARAMETER_VALUE/);
    } finally {
      await small.stop();
    }
  });

  it("a wrong token gets MLflow's UNAUTHENTICATED, which the client surfaces", async () => {
    const stranger = new MLflow({ endpoint: registry.url, headers: { Authorization: 'Bearer wrong' } });
    await expect(stranger.Experiments.get({ experiment_id: '0' })).rejects.toThrow(/UNAUTHENTICATED/);
  });
});
