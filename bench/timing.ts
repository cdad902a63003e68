/** Median and 95th percentile of an async call's wall time, after 20 unmeasured calls (JIT, caches). */
export async function timeMs(runs: number, f: () => Promise<unknown>): Promise<{ medianMs: number; p95Ms: number }> {
  for (let i = 0; i < 20; i++) await f();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    samples.push(performance.now() - t);
  }
  return summary(samples);
}

/**
 * The same for several calls measured in turns (alternating which goes first), so a drift in the
 * machine's speed over the run falls on each alike.
 */
export async function timeInTurns<K extends string>(
  runs: number,
  calls: Record<K, () => Promise<unknown>>,
): Promise<Record<K, { medianMs: number; p95Ms: number }>> {
  const names = Object.keys(calls) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let i = -20; i < runs; i++)
    for (const name of i % 2 ? [...names].reverse() : names) {
      const t = performance.now();
      await calls[name]();
      if (i >= 0) samples[name].push(performance.now() - t);
    }
  return Object.fromEntries(names.map((n) => [n, summary(samples[n])])) as Record<
    K,
    { medianMs: number; p95Ms: number }
  >;
}

function summary(samples: number[]): { medianMs: number; p95Ms: number } {
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    Number((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0).toFixed(4));
  return { medianMs: at(0.5), p95Ms: at(0.95) };
}
