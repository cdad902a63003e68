/**
 * Metric charts by step with uPlot (canvas; ~50 KB, draws 100,000s of points in milliseconds).
 * Several runs overlay on one x axis (uPlot.join aligns their steps). The time the chart took
 * to build and draw is written to `data-draw-ms`, which the browser tests read.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { apiPath, call, type Page } from './api.js';
import { ErrorBox, Loading } from './components.js';

export interface Series {
  label: string;
  steps: number[];
  values: number[];
}

interface MetricPoint {
  value: number;
  step: number;
  timestamp: number;
}

/** Pages before a series is cut short (1,000 points a page). */
const MAX_PAGES = 500;

/** A run's whole series for `key`, page by page, ascending by step. */
export async function loadSeries(runId: string, key: string, signal: AbortSignal): Promise<Omit<Series, 'label'>> {
  const steps: number[] = [];
  const values: number[] = [];
  let token: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({ pageSize: '1000' });
    if (token) q.set('pageToken', token);
    const { data } = await call<Page<MetricPoint>>('GET', `${apiPath('runs', runId, 'metrics', key)}?${q}`, { signal });
    for (const p of data.items) {
      steps.push(p.step);
      values.push(p.value);
    }
    token = data.nextPageToken;
    if (!token) break;
  }
  return { steps, values };
}

const COLORS = ['#1d4ed8', '#c2410c', '#047857', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#be185d'];

export function Chart({ title, series, height = 280 }: { title: string; series: Series[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || series.length === 0) return;
    const started = performance.now();
    const data =
      series.length === 1
        ? ([series[0]?.steps ?? [], series[0]?.values ?? []] as uPlot.AlignedData)
        : uPlot.join(series.map((s) => [s.steps, s.values] as uPlot.AlignedData));
    const plot = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height,
        scales: { x: { time: false } },
        axes: [{ label: 'step' }, {}],
        cursor: { drag: { x: true, y: false } },
        series: [
          { label: 'step' },
          ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true })),
        ],
        hooks: {
          draw: [
            () => {
              el.dataset.drawMs = (performance.now() - started).toFixed(1);
              el.dataset.points = String(series.reduce((n, s) => n + s.steps.length, 0));
            },
          ],
        },
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, height]);
  const points = series.reduce((n, s) => n + s.steps.length, 0);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div
        ref={box}
        class="chart-box"
        role="img"
        aria-label={`${title}: ${series.map((s) => s.label).join(', ')}; ${points} points by step`}
      />
    </figure>
  );
}

/** Loads `key` for each run and overlays them. */
export function MetricChart({ metric, runs }: { metric: string; runs: { id: string; name: string }[] }) {
  const [series, setSeries] = useState<Series[]>();
  const [error, setError] = useState<Error>();
  const runKey = runs.map((r) => r.id).join(',');
  useEffect(() => {
    const abort = new AbortController();
    setSeries(undefined);
    setError(undefined);
    Promise.all(
      runs.map(async (r) => ({ label: r.name || r.id, ...(await loadSeries(r.id, metric, abort.signal)) })),
    ).then(setSeries, (e: Error) => abort.signal.aborted || setError(e));
    return () => abort.abort();
  }, [metric, runKey]);
  if (error) return <ErrorBox error={error} />;
  if (!series) return <Loading what={`${metric} by step`} />;
  return <Chart title={`${metric} by step`} series={series} />;
}
