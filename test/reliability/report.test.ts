/** The report's gates (pure logic): which figures fail a run, and how RELIABILITY_BACKENDS is read. */
import { describe, expect, it } from 'vitest';
import { contractCoveredElsewhere } from '../contract/object-store-traits.js';
import { parseBackends, problemsOf, type Report } from './report.js';
import type { FaultFigures } from './sections/faults.js';

const EXPECTED = { creates: 200, fuzzRuns: { local: { http: 100, dropIns: 50 } } };

/** A report of one local run that passes every gate. */
function passing(): Report {
  const dropIns = {
    cases: 30,
    unwritable: 20,
    registered: 5,
    hostileCases: 10,
    hostileAccepted: 0,
    hostileNotRefused: 0,
    errors: 0,
  };
  const fuzzRun = {
    cases: 98,
    seed: 1,
    routes: 40,
    errors5xx: 0,
    nonProblemErrors: 0,
    unsendable: 2,
    hostileCases: 7,
    hostileAccepted: 0,
    dropIns,
  };
  return {
    pass: false,
    seed: 1,
    backends: { asked: ['local'], ran: ['local'] },
    versionRace: { local: { created: 200, duplicates: 0, gaps: 0, errors5xx: 0 } },
    aliasRounds: { local: { rounds: 6, badRounds: 0, wrongStatus: 0, errors5xx: 0 } },
    eventReplay: {
      local: { objects: 12, deliveries: 36, extraEffects: 0, finalMatchesNewest: true, deadLettered: 0, examples: [] },
    },
    corruptUploads: { local: { cases: 8, ready: 0, rewriteCases: 3, readyWithWrongBytes: 0 } },
    dedupVsGc: {
      local: {
        readyWithoutBytes: 0,
        duplicateVersions: 0,
        readyUnclaimed: 0,
        ready: 30,
        errors5xx: 0,
        collectErrors: 0,
        collections: 90,
      },
    },
    faults: {
      local: {
        requests: 300,
        injected: 4,
        kills: 4,
        killsPlanned: 4,
        unexpected5xx: 0,
        corruptStates: 0,
        orphansAfterSweep: 0,
        readyWithoutBytes: 0,
        sweepErrors: 0,
      },
    },
    s3ChecksumPath: {},
    contract: { coveredElsewhere: 1, uncovered: 0, bySuite: { s3rver: ['x: on "shim" (no signatures)'] } },
    fuzz: { ...fuzzRun, byBackend: { local: fuzzRun } },
    auth: { routes: 40, cells: 160, attacks: 17, accepted: 0, wrongStatus: 0, acceptedByAttack: {} },
  } as Report;
}

describe('the reliability report gates', () => {
  it('passes a report whose figures are all good', () => {
    expect(problemsOf(passing(), EXPECTED)).toEqual([]);
  });

  it.each([
    ['a backend asked for that did not run', (r: Report) => (r.backends.ran = []), /backends: local did not run/],
    [
      'no server kill',
      (r: Report) => Object.assign(r.faults.local ?? {}, { kills: 0, injected: 0 }),
      /faults\.local\.injected=0/,
    ],
    ['fewer kills than planned', (r: Report) => Object.assign(r.faults.local ?? {}, { kills: 3 }), /kills=3 of 4/],
    [
      'collector errors',
      (r: Report) => Object.assign(r.dedupVsGc.local ?? {}, { collectErrors: 2 }),
      /collectErrors=2/,
    ],
    ['no READY version in dedup', (r: Report) => Object.assign(r.dedupVsGc.local ?? {}, { ready: 0 }), /ready=0/],
    ['a contract test covered by no suite', (r: Report) => (r.contract.uncovered = 1), /contract\.uncovered=1/],
    [
      'drop-ins not written',
      (r: Report) => {
        if ('dropIns' in r.fuzz) Object.assign(r.fuzz.dropIns, { cases: 0 });
      },
      /fuzz\.dropIns\.cases=0/,
    ],
    [
      'a hostile drop-in not refused',
      (r: Report) => {
        if ('dropIns' in r.fuzz) Object.assign(r.fuzz.dropIns, { hostileNotRefused: 1 });
      },
      /hostileNotRefused=1/,
    ],
  ])('fails on %s', (_, spoil, problem) => {
    const report = passing();
    spoil(report);
    expect(problemsOf(report, EXPECTED).join('\n')).toMatch(problem);
  });

  it.each(['aws', 'azure'] as const)(
    'needs server kills on %s, every one planned, and injected faults: the gate is the same on every backend',
    (backend) => {
      const report = passing();
      report.backends = { asked: ['local', backend], ran: ['local', backend] };
      const good = { ...report.faults.local, kills: 3, killsPlanned: 3, injected: 40 } as FaultFigures;
      const problems = (faults: Partial<FaultFigures>) => {
        report.faults[backend] = { ...good, ...faults };
        return problemsOf(report, EXPECTED).filter((p) => p.startsWith(`faults.${backend}.`));
      };
      expect(problems({})).toEqual([]);
      expect(problems({ kills: 0, killsPlanned: 0 })).toEqual([`faults.${backend}.kills=0 (must be > 0)`]);
      expect(problems({ kills: 2 })).toEqual([`faults.${backend}.kills=2 of 3 planned`]);
      expect(problems({ injected: 0 })).toEqual([`faults.${backend}.injected=0 (must be > 0)`]);
      expect(problems({ unexpected5xx: 1 })).toEqual([`faults.${backend}.unexpected5xx=1`]);
    },
  );

  it('needs the check-then-copy race on a cloud backend, with every rewrite landed', () => {
    const report = passing();
    report.backends = { asked: ['local', 'azure'], ran: ['local', 'azure'] };
    report.corruptUploads.azure = {
      cases: 8,
      ready: 0,
      rewriteCases: 3,
      readyWithWrongBytes: 0,
      checkThenCopy: { cases: 3, rewritesAccepted: 2, readyWithWrongBytes: 0 },
    };
    expect(problemsOf(report, EXPECTED).join('\n')).toMatch(
      /corruptUploads\.azure\.checkThenCopy\.rewritesAccepted=2 of 3/,
    );
  });

  it('needs the S3 checksum path whenever aws was asked for', () => {
    const report = passing();
    report.backends = { asked: ['local', 'aws'], ran: ['local', 'aws'] };
    expect(problemsOf(report, EXPECTED).join('\n')).toMatch(/s3ChecksumPath\.aws: no figures/);
    report.s3ChecksumPath.aws = { commits: 4, ready: 4, stagedReads: 1, badDigestsRefused: 4, badDigestAttempts: 4 };
    expect(problemsOf(report, EXPECTED).join('\n')).toMatch(/s3ChecksumPath\.stagedReads=1/);
  });
});

describe('RELIABILITY_BACKENDS', () => {
  it('means all three when unset, and keeps the order local, aws, azure', () => {
    expect(parseBackends(undefined)).toEqual({ asked: ['local', 'aws', 'azure'] });
    expect(parseBackends('azure, local')).toEqual({ asked: ['local', 'azure'] });
  });

  it('refuses an unknown or empty name instead of dropping it', () => {
    expect(parseBackends('local,gcp')).toEqual({ error: expect.stringContaining('"gcp"') });
    expect(parseBackends('local,')).toEqual({ error: expect.stringContaining('""') });
    expect(parseBackends('')).toMatchObject({ error: expect.any(String) });
  });
});

describe('contract tests covered elsewhere', () => {
  it('are all run by a listed suite today, and counted uncovered when their suite is missing or defers too', () => {
    const today = contractCoveredElsewhere();
    expect(today.length).toBeGreaterThan(0);
    expect(today.filter((c) => !c.covered)).toEqual([]);
    const deferTo = (suite: string) => ({ vouchesSha256: false, signaturesCoveredBy: { suite, reason: 'r' } });
    expect(contractCoveredElsewhere({ a: deferTo('gone') }).map((c) => c.covered)).toEqual([false, false]);
    expect(contractCoveredElsewhere({ a: deferTo('b'), b: deferTo('a') }).every((c) => !c.covered)).toBe(true);
  });
});
