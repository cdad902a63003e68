/**
 * A small version of every reliability section on the local backend, so regressions show in
 * `npm test`. The full run (200 creates, 10,000 fuzz cases, the cloud backends, faults through
 * a proxy) is `npm run test:reliability`.
 */
import { describe, expect, it } from 'vitest';
import { BOUNDARY_ATTACKS } from './auth/boundary-attacks.js';
import type { Registry } from './backend.js';
import { localBackend } from './backends/local-backend.js';
import { authMatrix } from './sections/auth-matrix.js';
import { corruptUploads } from './sections/corrupt-uploads.js';
import { dedupVsGc } from './sections/dedup-vs-gc.js';
import { eventReplay } from './sections/event-replay.js';
import { localCrashFaults } from './sections/faults.js';
import { fuzz } from './sections/fuzz.js';
import { aliasRounds, versionRace } from './sections/version-race.js';

const backend = localBackend();
const SEED = 20261123;

async function withRegistry<T>(run: (reg: Registry) => Promise<T>, settings = {}): Promise<T> {
  const reg = await backend.open({ settings });
  try {
    return await run(reg);
  } finally {
    await reg.close();
  }
}

describe('reliability (local, small)', () => {
  it('concurrent version creates number 1..N; concurrent alias moves have one winner per round', async () => {
    const { race, rounds } = await withRegistry(async (reg) => ({
      race: await versionRace(reg, 40),
      rounds: await aliasRounds(reg, 2, 5),
    }));
    expect(race).toEqual({ created: 40, duplicates: 0, gaps: 0, errors5xx: 0 });
    expect(rounds).toEqual({ rounds: 2, badRounds: 0, wrongStatus: 0, errors5xx: 0 });
  });

  it('replayed, shuffled and reversed drop-in events have one effect per newest write', async () => {
    const figures = await withRegistry((reg) => eventReplay(reg, { models: 2, filesPerModel: 2, seed: SEED }));
    expect(figures).toMatchObject({ extraEffects: 0, finalMatchesNewest: true, deadLettered: 0 });
    expect(figures.deliveries).toBeGreaterThanOrEqual(figures.objects * 3 - 3);
  });

  it('corrupt uploads never become READY', async () => {
    expect(await withRegistry((reg) => corruptUploads(reg, 2))).toEqual({
      cases: 8,
      ready: 0,
      rewriteCases: 2,
      readyWithWrongBytes: 0,
    });
  });

  it('a corrupt-upload case that finds no upload to corrupt fails instead of passing', async () => {
    // A registry whose versions need no upload (every blob already held) leaves the cases nothing to write.
    await expect(
      withRegistry(async (reg) => {
        const answer = reg.fetch.bind(reg);
        reg.fetch = async (request) => {
          const res = await answer(request);
          if (request.method !== 'POST' || !new URL(request.url).pathname.endsWith('/versions')) return res;
          const body = (await res.json()) as { uploads: unknown[] };
          return Response.json({ ...body, uploads: [] }, { status: res.status });
        };
        return corruptUploads(reg, 0);
      }),
    ).rejects.toThrow(/no upload instruction|no pending upload/);
  });

  it('claims racing the collector and retried creates: no READY version without bytes, no duplicates', async () => {
    const figures = await withRegistry((reg) => dedupVsGc(reg, { rounds: 2, claimers: 4, retries: 3, sweeps: 6 }), {
      blobGraceSeconds: 0,
    });
    expect(figures).toMatchObject({
      readyWithoutBytes: 0,
      duplicateVersions: 0,
      readyUnclaimed: 0,
      errors5xx: 0,
      collectErrors: 0,
    });
    expect(figures.ready).toBeGreaterThan(0);
    expect(figures.collections).toBe(2 * 6);
  });

  it('a server killed mid-flow leaves no corrupt state and no orphans', async () => {
    const figures = await localCrashFaults({ workers: 2, iterations: 6, rate: 0, seed: SEED, kills: 1 });
    expect(figures).toMatchObject({ corruptStates: 0, orphansAfterSweep: 0, readyWithoutBytes: 0, unexpected5xx: 0 });
    expect(figures.flow.pushed).toBe(12);
    // The kill happened, at a seeded point of the flow.
    expect(figures).toMatchObject({ kills: 1, killsPlanned: 1, injected: 1 });
  }, 60_000);

  it('fuzzed requests over every route and fuzzed drop-ins written for real: no 5xx, hostile names refused', async () => {
    const figures = await withRegistry((reg) => fuzz(reg, { cases: 800, dropIns: 120, seed: SEED }));
    expect(figures.examples).toEqual([]);
    expect(figures).toMatchObject({ errors5xx: 0, nonProblemErrors: 0, hostileAccepted: 0 });
    expect(figures.cases + figures.unsendable).toBe(800);
    expect(figures.hostileCases).toBeGreaterThan(0);
    const drops = figures.dropIns;
    expect(drops).toMatchObject({ hostileAccepted: 0, hostileNotRefused: 0, errors: 0 });
    expect(drops.cases + drops.unwritable).toBe(120);
    expect(drops.hostileCases).toBeGreaterThan(0);
    // Ordinary drop-ins registered: the objects were there when their events came.
    expect(drops.registered).toBeGreaterThan(0);
    // Every trust-boundary attack ran, fuzzed, and none got past.
    for (const [attack, f] of Object.entries(figures.boundaryAttacks ?? {})) {
      expect(f.cases, attack).toBeGreaterThan(0);
      expect(f.accepted, attack).toBe(0);
    }
    expect(Object.keys(figures.boundaryAttacks ?? {})).toHaveLength(5);
  });

  it('the auth matrix from the route table, and the token attacks on every route', async () => {
    const figures = await withRegistry((reg) => authMatrix(reg));
    expect(figures.cells).toBe(figures.routes * 4);
    expect(figures.wrongStatus).toBe(0);
    const others = Object.entries(figures.acceptedByAttack).filter(([attack]) => attack !== 'noExpiry');
    expect(others.length).toBeGreaterThanOrEqual(15);
    for (const [attack, accepted] of others) expect(accepted, attack).toBe(0);
    // The trust-boundary attacks (issue #14) are counted, every one refused.
    for (const attack of BOUNDARY_ATTACKS) expect(figures.acceptedByAttack[attack], attack).toBe(0);
    expect(figures.examples).toEqual([]);
  });

  // Known bug (reported): shared/auth/jwt-authenticator.ts does not require `exp`, so a token
  // minted without one is valid forever (RFC 9068 makes `exp` REQUIRED). This test states the
  // wanted behaviour and is marked `fails` until the authenticator passes `requiredClaims: ['exp']`.
  it('an access token without exp is refused on every route', async () => {
    const figures = await withRegistry((reg) => authMatrix(reg));
    expect(figures.acceptedByAttack.noExpiry).toBe(0);
  });
});
