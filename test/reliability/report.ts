/** The figures of a run, and which of them make it fail. */
import type { BackendName } from './backend.js';
import type { AuthFigures } from './sections/auth-matrix.js';
import type { CheckThenCopyFigures } from './sections/check-then-copy.js';
import type { CorruptUploadFigures } from './sections/corrupt-uploads.js';
import type { DedupVsGcFigures } from './sections/dedup-vs-gc.js';
import type { EventReplayFigures } from './sections/event-replay.js';
import type { FaultFigures } from './sections/faults.js';
import type { DropInFigures, FuzzFigures } from './sections/fuzz.js';
import type { ChecksumPathFigures } from './sections/s3-checksum-path.js';
import type { AliasRoundFigures, VersionRaceFigures } from './sections/version-race.js';

export type Failed = { error: string };
export type Outcome<T> = T | Failed;
type PerBackend<T> = Record<string, Outcome<T>>;

export const BACKENDS: readonly BackendName[] = ['local', 'aws', 'azure'];

/** `RELIABILITY_BACKENDS` read strictly: unset means all three; an unknown or empty name is an error. */
export function parseBackends(value: string | undefined): { asked: BackendName[] } | Failed {
  if (value === undefined) return { asked: [...BACKENDS] };
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(BACKENDS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0)
    return {
      error: `RELIABILITY_BACKENDS: unknown backend ${unknown.map((n) => JSON.stringify(n)).join(', ')} (known: ${BACKENDS.join(', ')})`,
    };
  return { asked: BACKENDS.filter((b) => names.includes(b)) };
}

export type FuzzRun = Omit<FuzzFigures, 'examples'>;
export type CorruptUploadReport = CorruptUploadFigures & { checkThenCopy?: CheckThenCopyFigures };
export type DedupVsGcReport = Omit<DedupVsGcFigures, 'collectErrorExamples'>;

/** The ObjectStore contract skips nothing; a few tests a server cannot answer run on another suite. */
export interface ContractCoverage {
  /** Contract tests a suite leaves to another suite (s3rver's signature tests, run through the checksum shim). */
  coveredElsewhere: number;
  /** ... of which the covering suite is not listed or leaves them in turn, or no reason is given (must be none). */
  uncovered: number;
  bySuite: Record<string, string[]>;
}

export interface Report {
  pass: boolean;
  seed: number;
  /** The backends asked for (RELIABILITY_BACKENDS, all three by default) and those whose servers started and ran. */
  backends: { asked: BackendName[]; ran: BackendName[] };
  versionRace: PerBackend<VersionRaceFigures>;
  /** Printed inside `versionRace` (as the JSON shape has it). */
  aliasRounds: PerBackend<AliasRoundFigures>;
  eventReplay: PerBackend<EventReplayFigures>;
  corruptUploads: PerBackend<CorruptUploadReport>;
  dedupVsGc: PerBackend<DedupVsGcReport>;
  faults: PerBackend<Omit<FaultFigures, 'flow' | 'detail' | 'extra'>>;
  /** AWS only: the checksum path through the checksum shim (HEAD reports ChecksumSHA256). */
  s3ChecksumPath: PerBackend<ChecksumPathFigures>;
  contract: ContractCoverage;
  fuzz: Outcome<
    Omit<FuzzRun, 'seed' | 'dropIns'> & { dropIns: DropInFigures; byBackend: Record<string, Outcome<FuzzRun>> }
  >;
  /** Runs on the local backend (the route table and the authenticator are the same on every backend). */
  auth?: Outcome<Omit<AuthFigures, 'examples'>>;
}

export const isFailed = (value: unknown): value is Failed =>
  typeof value === 'object' && value !== null && 'error' in value;

export interface Expected {
  creates: number;
  /** Fuzz runs (HTTP and drop-in) each backend was given. */
  fuzzRuns: Record<string, { http: number; dropIns: number }>;
}

/** Names the bad figures of a report; an empty list means it passes. */
export function problemsOf(report: Report, expected: Expected): string[] {
  const out: string[] = [];
  const missing = report.backends.asked.filter((b) => !report.backends.ran.includes(b));
  if (missing.length > 0) out.push(`backends: ${missing.join(', ')} did not run`);
  const each = <T>(section: string, figures: PerBackend<T> | undefined, bad: (f: T, backend: string) => string[]) => {
    for (const backend of report.backends.asked) {
      const f = figures?.[backend];
      if (f === undefined) out.push(`${section}.${backend}: no figures`);
      else if (isFailed(f)) out.push(`${section}.${backend}: ${f.error}`);
      else for (const b of bad(f, backend)) out.push(`${section}.${backend}.${b}`);
    }
  };
  const nonZero = (f: object, fields: string[]) =>
    fields
      .filter((k) => (f as Record<string, unknown>)[k] !== 0)
      .map((k) => `${k}=${String((f as Record<string, unknown>)[k])}`);
  const positive = (f: object, fields: string[]) =>
    fields
      .filter((k) => !(Number((f as Record<string, unknown>)[k]) > 0))
      .map((k) => `${k}=${String((f as Record<string, unknown>)[k])} (must be > 0)`);
  each<VersionRaceFigures>('versionRace', report.versionRace, (f) => [
    ...nonZero(f, ['duplicates', 'gaps', 'errors5xx']),
    ...(f.created !== expected.creates ? [`created=${f.created}`] : []),
  ]);
  each<AliasRoundFigures>('versionRace.aliasRounds', report.aliasRounds, (f) => [
    ...nonZero(f, ['badRounds', 'wrongStatus', 'errors5xx']),
    ...positive(f, ['rounds']),
  ]);
  each<EventReplayFigures>('eventReplay', report.eventReplay, (f) => [
    ...nonZero(f, ['extraEffects', 'deadLettered']),
    ...positive(f, ['objects', 'deliveries']),
    ...(f.finalMatchesNewest ? [] : ['finalMatchesNewest=false']),
  ]);
  each<CorruptUploadReport>('corruptUploads', report.corruptUploads, (f, backend) => {
    const race = f.checkThenCopy;
    return [
      ...nonZero(f, ['ready', 'readyWithWrongBytes']),
      ...positive(f, ['cases']),
      // The deterministic check-then-copy race runs where the store has an interleaving point (cloud):
      // every rewrite must have landed between the check and the copy, or the race was not run.
      ...(backend === 'local'
        ? []
        : !race
          ? ['checkThenCopy: not run']
          : [
              ...positive(race, ['cases']).map((p) => `checkThenCopy.${p}`),
              ...nonZero(race, ['readyWithWrongBytes']).map((p) => `checkThenCopy.${p}`),
              ...(race.rewritesAccepted !== race.cases
                ? [`checkThenCopy.rewritesAccepted=${race.rewritesAccepted} of ${race.cases}`]
                : []),
            ]),
    ];
  });
  each<DedupVsGcReport>('dedupVsGc', report.dedupVsGc, (f) => [
    ...nonZero(f, ['readyWithoutBytes', 'duplicateVersions', 'readyUnclaimed', 'errors5xx', 'collectErrors']),
    ...positive(f, ['ready', 'collections']),
  ]);
  each<FaultFigures>('faults', report.faults as PerBackend<FaultFigures>, (f) => [
    ...nonZero(f, ['corruptStates', 'orphansAfterSweep', 'readyWithoutBytes', 'unexpected5xx', 'sweepErrors']),
    // Every backend kills a server mid-flow (local: the registry's; cloud: the storage servers), every one as planned.
    ...positive(f, ['requests', 'injected', 'kills']),
    ...(f.kills !== f.killsPlanned ? [`kills=${f.kills} of ${f.killsPlanned} planned`] : []),
  ]);
  if (report.backends.asked.includes('aws'))
    for (const [backend, f] of Object.entries(report.s3ChecksumPath)) {
      if (isFailed(f)) out.push(`s3ChecksumPath.${backend}: ${f.error}`);
      else {
        out.push(...positive(f, ['commits']).map((p) => `s3ChecksumPath.${p}`));
        out.push(...nonZero(f, ['stagedReads']).map((p) => `s3ChecksumPath.${p}`));
        if (f.ready !== f.commits) out.push(`s3ChecksumPath.ready=${f.ready} of ${f.commits}`);
        if (f.badDigestsRefused !== f.badDigestAttempts)
          out.push(`s3ChecksumPath.badDigestsRefused=${f.badDigestsRefused} of ${f.badDigestAttempts}`);
      }
    }
  if (report.backends.asked.includes('aws') && report.s3ChecksumPath.aws === undefined)
    out.push('s3ChecksumPath.aws: no figures');
  out.push(...nonZero(report.contract, ['uncovered']).map((p) => `contract.${p}`));
  if (isFailed(report.fuzz)) out.push(`fuzz: ${report.fuzz.error}`);
  else {
    out.push(...nonZero(report.fuzz, ['errors5xx', 'nonProblemErrors', 'hostileAccepted']).map((p) => `fuzz.${p}`));
    out.push(...positive(report.fuzz, ['hostileCases']).map((p) => `fuzz.${p}`));
    const drops = report.fuzz.dropIns;
    out.push(
      ...nonZero(drops, ['hostileAccepted', 'hostileNotRefused', 'errors']).map((p) => `fuzz.dropIns.${p}`),
      ...positive(drops, ['cases', 'hostileCases', 'registered']).map((p) => `fuzz.dropIns.${p}`),
    );
    each<FuzzRun>('fuzz', report.fuzz.byBackend, (f, backend) => {
      const runs = expected.fuzzRuns[backend] ?? { http: 0, dropIns: 0 };
      return [
        // Every run is a case or was unsendable (an invalid URL or header), and few are unsendable.
        ...(f.cases + f.unsendable !== runs.http
          ? [`cases=${f.cases}+${f.unsendable} unsendable of ${runs.http}`]
          : []),
        ...(f.unsendable * 10 > runs.http ? [`unsendable=${f.unsendable}`] : []),
        ...positive(f, ['hostileCases']),
        ...(f.dropIns.cases + f.dropIns.unwritable !== runs.dropIns
          ? [`dropIns.cases=${f.dropIns.cases}+${f.dropIns.unwritable} unwritable of ${runs.dropIns}`]
          : []),
        ...positive(f.dropIns, ['cases', 'hostileCases']).map((p) => `dropIns.${p}`),
      ];
    });
  }
  if (report.backends.asked.includes('local')) {
    if (report.auth === undefined) out.push('auth: not run');
    else if (isFailed(report.auth)) out.push(`auth: ${report.auth.error}`);
    else
      out.push(
        ...nonZero(report.auth, ['accepted', 'wrongStatus']).map((p) => `auth.${p}`),
        ...positive(report.auth, ['cells', 'attacks']).map((p) => `auth.${p}`),
      );
  }
  return out;
}

/** The JSON shape: alias rounds inside `versionRace`. */
export function printable(report: Report): Record<string, unknown> {
  const { aliasRounds, ...rest } = report;
  return { ...rest, versionRace: { ...report.versionRace, aliasRounds } };
}
