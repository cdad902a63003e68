/** How long a fresh Node process takes to `require` a bundle. */
import { spawnSync } from 'node:child_process';

/** Milliseconds for a fresh `node` to load `file`; a load that throws ends the benchmark (never a 0 ms figure). */
export function loadOnce(file: string): number {
  const out = spawnSync(
    process.execPath,
    ['-e', `const t = performance.now(); require(${JSON.stringify(file)}); console.log(performance.now() - t);`],
    { encoding: 'utf8' },
  );
  const ms = Number(out.stdout.trim().split('\n').at(-1));
  if (out.status !== 0 || out.error || !(ms > 0))
    throw new Error(
      `loading ${file} failed (exit ${out.status}): ${(out.error?.message ?? out.stderr).slice(0, 2000)}`,
    );
  return ms;
}
