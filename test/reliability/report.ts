/** The figures of a run, and which of them make it fail. */
import type { AuthFigures } from './sections/auth-matrix.js';
import type { CorruptUploadFigures } from './sections/corrupt-uploads.js';
import type { DedupVsGcFigures } from './sections/dedup-vs-gc.js';
import type { EventReplayFigures } from './sections/event-replay.js';
import type { FaultFigures } from './sections/faults.js';
import type { FuzzFigures } from './sections/fuzz.js';
import type { AliasRoundFigures, VersionRaceFigures } from './sections/version-race.js';

export type Failed = { error: string };
export type Outcome<T> = T | Failed;
type PerBackend<T> = Record<string, Outcome<T>>;

export interface Report {
  pass: boolean;
  versionRace: PerBackend<VersionRaceFigures>;
  /** Printed inside `versionRace` (as the JSON shape has it). */
  aliasRounds: PerBackend<AliasRoundFigures>;
  eventReplay: PerBackend<EventReplayFigures>;
  corruptUploads: PerBackend<CorruptUploadFigures>;
  dedupVsGc: PerBackend<DedupVsGcFigures>;
  faults: PerBackend<Omit<FaultFigures, 'flow' | 'detail' | 'extra'>>;
  fuzz: Outcome<Omit<FuzzFigures, 'examples'> & { byBackend?: Record<string, Outcome<Omit<FuzzFigures, 'examples'>>> }>;
  auth: Outcome<Omit<AuthFigures, 'examples'>>;
}

export const isFailed = (value: unknown): value is Failed =>
  typeof value === 'object' && value !== null && 'error' in value;

/** Names the bad figures of a report; an empty list means it passes. */
export function problemsOf(report: Report, expected: { creates: number; fuzzCases: number }): string[] {
  const out: string[] = [];
  const each = <T>(section: string, figures: PerBackend<T> | undefined, bad: (f: T) => string[]) => {
    for (const [backend, f] of Object.entries(figures ?? {})) {
      if (isFailed(f)) out.push(`${section}.${backend}: ${f.error}`);
      else for (const b of bad(f)) out.push(`${section}.${backend}.${b}`);
    }
  };
  const nonZero = (f: object, fields: string[]) =>
    fields
      .filter((k) => (f as Record<string, unknown>)[k] !== 0)
      .map((k) => `${k}=${String((f as Record<string, unknown>)[k])}`);
  each<VersionRaceFigures>('versionRace', report.versionRace, (f) => [
    ...nonZero(f, ['duplicates', 'gaps', 'errors5xx']),
    ...(f.created !== expected.creates ? [`created=${f.created}`] : []),
  ]);
  each<AliasRoundFigures>('versionRace.aliasRounds', report.aliasRounds, (f) =>
    nonZero(f, ['badRounds', 'wrongStatus', 'errors5xx']),
  );
  each<EventReplayFigures>('eventReplay', report.eventReplay, (f) => [
    ...nonZero(f, ['extraEffects', 'deadLettered']),
    ...(f.finalMatchesNewest ? [] : ['finalMatchesNewest=false']),
  ]);
  each<CorruptUploadFigures>('corruptUploads', report.corruptUploads, (f) =>
    nonZero(f, ['ready', 'readyWithWrongBytes']),
  );
  each<DedupVsGcFigures>('dedupVsGc', report.dedupVsGc, (f) =>
    nonZero(f, ['readyWithoutBytes', 'duplicateVersions', 'readyUnclaimed', 'errors5xx']),
  );
  each<FaultFigures>('faults', report.faults as PerBackend<FaultFigures>, (f) =>
    nonZero(f, ['corruptStates', 'orphansAfterSweep', 'readyWithoutBytes', 'unexpected5xx', 'sweepErrors']),
  );
  if (isFailed(report.fuzz)) out.push(`fuzz: ${report.fuzz.error}`);
  else {
    out.push(...nonZero(report.fuzz, ['errors5xx', 'nonProblemErrors', 'hostileAccepted']).map((p) => `fuzz.${p}`));
    if (report.fuzz.cases < expected.fuzzCases) out.push(`fuzz.cases=${report.fuzz.cases}`);
    for (const [backend, f] of Object.entries(report.fuzz.byBackend ?? {}))
      if (isFailed(f)) out.push(`fuzz.${backend}: ${f.error}`);
  }
  if (isFailed(report.auth)) out.push(`auth: ${report.auth.error}`);
  else out.push(...nonZero(report.auth, ['accepted', 'wrongStatus']).map((p) => `auth.${p}`));
  return out;
}

/** The JSON shape: alias rounds inside `versionRace`. */
export function printable(report: Report): Record<string, unknown> {
  const { aliasRounds, ...rest } = report;
  return { ...rest, versionRace: { ...report.versionRace, aliasRounds } };
}
