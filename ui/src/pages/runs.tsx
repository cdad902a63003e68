/** Experiments, their runs (params and latest metrics), one run, and runs compared on one chart. */
import { useEffect, useState } from 'preact/hooks';
import type { Experiment } from '../../../shared/service/tracking/experiments.js';
import type { Run } from '../../../shared/service/tracking/runs.js';
import { apiPath, get, type Page, pageQuery } from '../api.js';
import { MetricChart } from '../chart.js';
import { Badge, Card, ErrorBox, Facts, Field, KeyValues, Loading, Pager } from '../components.js';
import { useApi } from '../data.js';
import { dateTime, metric, relative } from '../format.js';
import { href, type Location, navigate, withQuery } from '../router.js';

export function ExperimentsPage({ loc }: { loc: Location }) {
  const page = useApi<Page<Experiment>>(
    `${apiPath('experiments')}${pageQuery({ pageSize: 50, pageToken: loc.query.get('page') })}`,
  );
  return (
    <>
      <div class="page-head">
        <h1>Experiments</h1>
      </div>
      <ErrorBox error={page.error} />
      {page.loading && !page.data && <Loading what="experiments" />}
      {page.data && (
        <>
          <table class="list">
            <caption class="sr-only">Experiments</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Created by</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((x) => (
                <tr key={x.id}>
                  <td>
                    <a class="strong" href={href('experiments', x.id)}>
                      {x.name}
                    </a>
                  </td>
                  <td>{x.description || <span class="muted">—</span>}</td>
                  <td>{x.createdBy}</td>
                  <td title={x.createdAt}>{relative(x.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.data.items.length === 0 && <p class="empty">No experiments yet.</p>}
          <Pager path="/ui/experiments" query={loc.query} next={page.data.nextPageToken} state={loc.state} />
        </>
      )}
    </>
  );
}

const union = (records: Record<string, unknown>[], max: number): string[] =>
  [...new Set(records.flatMap((r) => Object.keys(r)))].sort().slice(0, max);

function RunsTable({ runs, selected, toggle }: { runs: Run[]; selected: Set<string>; toggle: (id: string) => void }) {
  const params = union(
    runs.map((r) => r.params),
    6,
  );
  const metrics = union(
    runs.map((r) => r.latestMetrics),
    6,
  );
  return (
    <div class="scroll">
      <table class="list">
        <caption class="sr-only">Runs with their params and latest metrics</caption>
        <thead>
          <tr>
            <th scope="col" class="pick">
              <span class="sr-only">Compare</span>
            </th>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            {params.map((p) => (
              <th scope="col" key={`p-${p}`} class="param">
                {p}
              </th>
            ))}
            {metrics.map((m) => (
              <th scope="col" key={`m-${m}`} class="num metric">
                {m}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id}>
              <td class="pick">
                <input
                  type="checkbox"
                  checked={selected.has(r.id)}
                  onChange={() => toggle(r.id)}
                  aria-label={`Compare ${r.name || r.id}`}
                />
              </td>
              <td>
                <a class="strong" href={href('runs', r.id)}>
                  {r.name || r.id}
                </a>
              </td>
              <td>
                <Badge value={r.status} />
              </td>
              <td title={r.startTime}>{relative(r.startTime)}</td>
              {params.map((p) => (
                <td key={`p-${p}`} class="mono">
                  {r.params[p] ?? '—'}
                </td>
              ))}
              {metrics.map((m) => (
                <td key={`m-${m}`} class="num">
                  {metric(r.latestMetrics[m])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ExperimentPage({ id, loc }: { id: string; loc: Location }) {
  const experiment = useApi<Experiment>(apiPath('experiments', id));
  const runs = useApi<Page<Run>>(
    `${apiPath('experiments', id, 'runs')}${pageQuery({ pageSize: 100, pageToken: loc.query.get('page') })}`,
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const toggle = (runId: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(runId)) next.add(runId);
      return next;
    });
  const x = experiment.data;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/ui/experiments">Experiments</a> / <span>{x?.name ?? id}</span>
      </nav>
      <ErrorBox error={experiment.error ?? runs.error} />
      {x && (
        <div class="page-head">
          <h1>{x.name}</h1>
          <div class="spacer" />
          <button
            type="button"
            disabled={selected.size === 0}
            onClick={() => navigate(withQuery(href('experiments', id, 'compare'), { runs: [...selected].join(',') }))}
          >
            Compare {selected.size || ''} selected
          </button>
        </div>
      )}
      {x?.description && <p class="lead">{x.description}</p>}
      {runs.loading && !runs.data && <Loading what="runs" />}
      {runs.data && (
        <>
          <RunsTable runs={runs.data.items} selected={selected} toggle={toggle} />
          {runs.data.items.length === 0 && <p class="empty">No runs yet.</p>}
          <Pager path={href('experiments', id)} query={loc.query} next={runs.data.nextPageToken} state={loc.state} />
        </>
      )}
    </>
  );
}

/** A metric picker and the chart of that metric for `runs`. */
function Charts({ runs, path, loc }: { runs: Run[]; path: string; loc: Location }) {
  const keys = union(
    runs.map((r) => r.latestMetrics),
    200,
  );
  const chosen = loc.query.get('metric');
  const key = chosen && keys.includes(chosen) ? chosen : keys[0];
  if (!key) return <p class="muted">No metrics logged.</p>;
  return (
    <>
      <Field label="Metric" inline>
        {(id) => (
          <select
            id={id}
            name="metric"
            value={key}
            onChange={(e) =>
              navigate(
                withQuery(path, {
                  ...Object.fromEntries(loc.query),
                  metric: (e.currentTarget as HTMLSelectElement).value,
                }),
                {
                  replace: true,
                },
              )
            }
          >
            {keys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        )}
      </Field>
      <MetricChart metric={key} runs={runs.map((r) => ({ id: r.id, name: r.name }))} />
    </>
  );
}

export function RunPage({ id, loc }: { id: string; loc: Location }) {
  const run = useApi<Run>(apiPath('runs', id));
  const r = run.data;
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/ui/experiments">Experiments</a> /{' '}
        {r ? <a href={href('experiments', r.experimentId)}>experiment</a> : '…'} / <span>{r?.name || id}</span>
      </nav>
      <ErrorBox error={run.error} />
      {!r && run.loading && <Loading what="the run" />}
      {r && (
        <>
          <div class="page-head">
            <h1>{r.name || r.id}</h1>
            <Badge value={r.status} />
          </div>
          <Facts
            items={[
              ['Run id', <code key="id">{r.id}</code>],
              ['Started', dateTime(r.startTime)],
              ['Ended', dateTime(r.endTime)],
              ['Created by', r.createdBy],
              [
                'Model versions',
                r.modelVersions.length ? (
                  <span key="mv">
                    {r.modelVersions.map((mv, i) => (
                      <span key={`${mv.model}/${mv.version}`}>
                        {i > 0 && ', '}
                        <a href={href('models', mv.model, 'versions', mv.version)}>
                          {mv.model} v{mv.version}
                        </a>
                      </span>
                    ))}
                  </span>
                ) : (
                  'none'
                ),
              ],
            ]}
          />
          <Card title="Metrics by step">
            <Charts runs={[r]} path={href('runs', r.id)} loc={loc} />
          </Card>
          <div class="grid2">
            <Card title="Params">
              <KeyValues value={r.params} caption="Params" />
            </Card>
            <Card title="Latest metrics">
              <KeyValues value={r.latestMetrics} caption="Latest metrics" />
            </Card>
          </div>
        </>
      )}
    </>
  );
}

/** Loads several runs at once (their count changes with the URL, so not one hook per run). */
function useRuns(ids: string[]): { runs: Run[]; error: Error | undefined } {
  const [state, setState] = useState<{ runs: Run[]; error: Error | undefined }>({ runs: [], error: undefined });
  const key = ids.join(',');
  useEffect(() => {
    const abort = new AbortController();
    setState({ runs: [], error: undefined });
    Promise.all(ids.map(async (runId) => (await get<Run>(apiPath('runs', runId), abort.signal)).data)).then(
      (runs) => setState({ runs, error: undefined }),
      (error: Error) => abort.signal.aborted || setState({ runs: [], error }),
    );
    return () => abort.abort();
  }, [key]);
  return state;
}

/** Several runs side by side: their params, their latest metrics, and one metric overlaid. */
export function ComparePage({ id, loc }: { id: string; loc: Location }) {
  const ids = (loc.query.get('runs') ?? '').split(',').filter(Boolean).slice(0, 12);
  const { runs: loaded, error } = useRuns(ids);
  const params = union(
    loaded.map((r) => r.params),
    50,
  );
  return (
    <>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="/ui/experiments">Experiments</a> / <a href={href('experiments', id)}>experiment</a> /{' '}
        <span>compare</span>
      </nav>
      <div class="page-head">
        <h1>Compare {ids.length} runs</h1>
      </div>
      <ErrorBox error={error} />
      {ids.length === 0 && <p class="empty">Choose runs to compare on the experiment's page.</p>}
      {loaded.length < ids.length && !error && <Loading what="runs" />}
      {loaded.length === ids.length && ids.length > 0 && (
        <>
          <Card title="Metrics by step">
            <Charts runs={loaded} path={href('experiments', id, 'compare')} loc={loc} />
          </Card>
          <Card title="Params">
            <div class="scroll">
              <table class="list">
                <caption class="sr-only">Params of the compared runs</caption>
                <thead>
                  <tr>
                    <th scope="col">Param</th>
                    {loaded.map((r) => (
                      <th scope="col" key={r.id}>
                        <a href={href('runs', r.id)}>{r.name || r.id}</a>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {params.map((p) => {
                    const values = loaded.map((r) => r.params[p]);
                    const differs = new Set(values).size > 1;
                    return (
                      <tr key={p} class={differs ? 'differs' : undefined}>
                        <th scope="row">{p}</th>
                        {values.map((v, i) => (
                          <td key={loaded[i]?.id} class="mono">
                            {v ?? '—'}
                          </td>
                        ))}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </Card>
        </>
      )}
    </>
  );
}
