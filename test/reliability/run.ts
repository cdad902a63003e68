/**
 * `npm run test:reliability`: every reliability and security section, per backend, with the
 * figures of issue #5. Progress and details go to stderr; the last line on stdout is the one
 * JSON object of the figures. Exit code 1 when any bad count is not zero.
 *
 * RELIABILITY_BACKENDS=local,aws,azure (default: all; an unknown name is an error, and `pass`
 * needs every backend asked for to have run), RELIABILITY_SEED=<n> (default: random, printed).
 */
import { contractCoveredElsewhere } from '../contract/object-store-traits.js';
import type { Backend, BackendName, OpenOptions, Registry } from './backend.js';
import { awsBackend } from './backends/aws-backend.js';
import { azureBackend } from './backends/azure-backend.js';
import { localBackend } from './backends/local-backend.js';
import { type FuzzRun, isFailed, type Outcome, parseBackends, printable, problemsOf, type Report } from './report.js';
import { authMatrix } from './sections/auth-matrix.js';
import { checkThenCopy } from './sections/check-then-copy.js';
import { corruptUploads } from './sections/corrupt-uploads.js';
import { dedupVsGc } from './sections/dedup-vs-gc.js';
import { eventReplay } from './sections/event-replay.js';
import { cloudFaults, localCrashFaults } from './sections/faults.js';
import { fuzz } from './sections/fuzz.js';
import { s3ChecksumPath } from './sections/s3-checksum-path.js';
import { aliasRounds, versionRace } from './sections/version-race.js';

const CREATES = 200;
const FUZZ_RUNS: Record<BackendName, { http: number; dropIns: number }> = {
  local: { http: 10_000, dropIns: 300 },
  aws: { http: 1_000, dropIns: 150 },
  azure: { http: 1_000, dropIns: 150 },
};

const seed = Number(process.env.RELIABILITY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const parsed = parseBackends(process.env.RELIABILITY_BACKENDS);
const started = Date.now();
const log = (message: string) =>
  process.stderr.write(`[reliability +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
const details: Record<string, unknown> = {};

async function outcome<T>(label: string, run: () => Promise<T>): Promise<Outcome<T>> {
  log(`${label} ...`);
  try {
    const result = await run();
    log(`${label}: ${JSON.stringify(result, (k, v) => (k === 'examples' || k === 'flow' ? undefined : v))}`);
    return result;
  } catch (e) {
    log(`${label} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Keeps examples and breakdowns out of the one-line figures, in the details block instead. */
function summarize<T extends object>(label: string, value: Outcome<T>, drop: string[]): Outcome<T> {
  if (isFailed(value)) return value;
  const kept: Record<string, unknown> = {};
  const moved: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) (drop.includes(k) ? moved : kept)[k] = v;
  if (Object.keys(moved).length > 0) details[label] = moved;
  return kept as T;
}

const coveredElsewhere = contractCoveredElsewhere();
const report: Report = {
  pass: false,
  seed,
  backends: { asked: isFailed(parsed) ? [] : parsed.asked, ran: [] },
  versionRace: {},
  aliasRounds: {},
  eventReplay: {},
  corruptUploads: {},
  dedupVsGc: {},
  faults: {},
  s3ChecksumPath: {},
  contract: {
    coveredElsewhere: coveredElsewhere.length,
    uncovered: coveredElsewhere.filter((c) => !c.covered || c.reason.trim() === '').length,
    bySuite: Object.fromEntries(
      [...new Set(coveredElsewhere.map((c) => c.suite))].map((suite) => [
        suite,
        coveredElsewhere.filter((c) => c.suite === suite).map((c) => `${c.test}: on "${c.coveredBy}" (${c.reason})`),
      ]),
    ),
  },
  fuzz: { error: 'not run' },
};
const fuzzByBackend: Record<string, Outcome<FuzzRun>> = {};

/** Opens a registry for one section, runs it, keeps what the app logged behind any 500, and closes it. */
async function section<T>(
  backend: Backend,
  label: string,
  options: OpenOptions,
  run: (reg: Registry) => Promise<T>,
): Promise<T> {
  const reg = await backend.open(options);
  try {
    return await run(reg);
  } finally {
    if (reg.unexpectedErrors.length > 0) details[`${label}.causesOf5xx`] = reg.unexpectedErrors.slice(0, 5);
    await reg.close();
  }
}

async function runBackend(backend: Backend): Promise<void> {
  const name = backend.name;
  const race = await outcome(`${name} versionRace`, () =>
    section(backend, `versionRace.${name}`, {}, async (reg) => ({
      figures: await versionRace(reg, CREATES),
      rounds: await aliasRounds(reg, 6, 8),
    })),
  );
  report.versionRace[name] = isFailed(race) ? race : race.figures;
  report.aliasRounds[name] = isFailed(race) ? race : race.rounds;
  const replay = await outcome(`${name} eventReplay`, () =>
    section(backend, `eventReplay.${name}`, {}, (reg) => eventReplay(reg, { models: 4, filesPerModel: 3, seed })),
  );
  report.eventReplay[name] = summarize(`eventReplay.${name}`, replay, ['examples']);
  report.corruptUploads[name] = await outcome(`${name} corruptUploads`, async () => {
    const figures = await section(backend, `corruptUploads.${name}`, {}, (reg) => corruptUploads(reg, 3));
    // The deterministic check-then-copy race needs an interleaving point in the store (cloud backends).
    if (name === 'local') return figures;
    return { ...figures, checkThenCopy: await checkThenCopy(backend, 3) };
  });
  const dedup = await outcome(`${name} dedupVsGc`, () =>
    section(backend, `dedupVsGc.${name}`, { settings: { blobGraceSeconds: 0 } }, (reg) =>
      dedupVsGc(reg, { rounds: 6, claimers: 6, retries: 3, sweeps: 15 }),
    ),
  );
  report.dedupVsGc[name] = summarize(`dedupVsGc.${name}`, dedup, ['collectErrorExamples']);
  if (name === 'aws')
    report.s3ChecksumPath[name] = await outcome('aws s3ChecksumPath', () =>
      s3ChecksumPath(backend, { cases: 4, checksums: true }),
    );
  const faults = await outcome(`${name} faults`, () =>
    name === 'local'
      ? localCrashFaults({ workers: 4, iterations: 15, rate: 0, seed, kills: 4 })
      : // The Azure SDK waits seconds between its retries, so Azure gets a smaller workload.
        // aws kills take turns: s3rver, DynamoDB Local, s3rver (a JVM restart costs seconds).
        cloudFaults(
          backend,
          name === 'aws'
            ? { workers: 4, iterations: 8, rate: 0.1, seed, kills: 3 }
            : { workers: 2, iterations: 3, rate: 0.05, seed, kills: 3 },
        ),
  );
  report.faults[name] = summarize(`faults.${name}`, faults, ['flow', 'detail', 'extra']);
  const fuzzed = await outcome(`${name} fuzz`, () =>
    section(backend, `fuzz.${name}`, {}, (reg) =>
      fuzz(reg, { cases: FUZZ_RUNS[name].http, dropIns: FUZZ_RUNS[name].dropIns, seed }),
    ),
  );
  fuzzByBackend[name] = summarize(`fuzz.${name}`, fuzzed, ['examples']);
  if (name === 'local') {
    const auth = await outcome('auth', () => section(backend, 'auth', {}, (reg) => authMatrix(reg)));
    report.auth = summarize('auth', auth, ['examples']);
  }
}

async function main(): Promise<void> {
  if (isFailed(parsed)) {
    log(parsed.error);
    process.stdout.write(`${JSON.stringify({ pass: false, seed, error: parsed.error })}\n`);
    process.exitCode = 1;
    return;
  }
  const wanted = new Set(parsed.asked);
  log(`seed ${seed}; backends ${[...wanted].join(', ')}`);
  const starters: Record<BackendName, () => Promise<Backend>> = {
    local: async () => localBackend(),
    aws: awsBackend,
    azure: azureBackend,
  };
  // Cloud servers start while the local sections run.
  const starting = new Map<BackendName, Promise<Outcome<Backend>>>();
  for (const name of ['local', 'aws', 'azure'] as const)
    if (wanted.has(name))
      starting.set(
        name,
        starters[name]().catch((e: unknown) => ({
          error: `could not start: ${e instanceof Error ? e.message : String(e)}`,
        })),
      );
  for (const [name, promise] of starting) {
    const backend = await promise;
    if (isFailed(backend)) {
      report.versionRace[name] = backend;
      report.aliasRounds[name] = backend;
      report.eventReplay[name] = backend;
      report.corruptUploads[name] = backend;
      report.dedupVsGc[name] = backend;
      report.faults[name] = backend;
      if (name === 'aws') report.s3ChecksumPath[name] = backend;
      fuzzByBackend[name] = backend;
      continue;
    }
    report.backends.ran.push(name);
    try {
      await runBackend(backend);
    } finally {
      await backend.stop().catch(() => undefined);
    }
  }
  const fuzzRuns = Object.values(fuzzByBackend).filter((f): f is FuzzRun => !isFailed(f));
  const sum = (pick: (f: FuzzRun) => number) => fuzzRuns.reduce((n, f) => n + pick(f), 0);
  report.fuzz =
    fuzzRuns.length === 0
      ? { error: 'no fuzz run finished' }
      : {
          cases: sum((f) => f.cases),
          routes: fuzzRuns[0]?.routes ?? 0,
          errors5xx: sum((f) => f.errors5xx),
          nonProblemErrors: sum((f) => f.nonProblemErrors),
          unsendable: sum((f) => f.unsendable),
          hostileCases: sum((f) => f.hostileCases),
          hostileAccepted: sum((f) => f.hostileAccepted),
          dropIns: {
            cases: sum((f) => f.dropIns.cases),
            unwritable: sum((f) => f.dropIns.unwritable),
            registered: sum((f) => f.dropIns.registered),
            hostileCases: sum((f) => f.dropIns.hostileCases),
            hostileAccepted: sum((f) => f.dropIns.hostileAccepted),
            hostileNotRefused: sum((f) => f.dropIns.hostileNotRefused),
            errors: sum((f) => f.dropIns.errors),
          },
          byBackend: fuzzByBackend,
        };
  const problems = problemsOf(report, { creates: CREATES, fuzzRuns: FUZZ_RUNS });
  report.pass = problems.length === 0;
  log(
    `done in ${((Date.now() - started) / 1000).toFixed(1)} s; ${problems.length === 0 ? 'pass' : `FAIL: ${problems.join('; ')}`}`,
  );
  process.stdout.write(`${JSON.stringify({ details })}\n`);
  process.stdout.write(`${JSON.stringify(printable(report))}\n`);
  process.exitCode = report.pass ? 0 : 1;
}

await main();
