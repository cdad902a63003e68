/**
 * Version race: N concurrent version creates for one model through the HTTP app must number
 * exactly 1..N (no duplicates, no gaps, no 5xx). Then rounds of concurrent alias moves that
 * all carry the same `If-Match`: one winner per round, the rest 412.
 */
import type { Registry } from '../backend.js';
import { ADMIN } from '../principal-header.js';
import { RegistryClient, randomFile } from '../registry-client.js';

export interface VersionRaceFigures {
  created: number;
  duplicates: number;
  gaps: number;
  errors5xx: number;
}

export interface AliasRoundFigures {
  rounds: number;
  /** Rounds without exactly one 200. */
  badRounds: number;
  /** Losers that got something other than 412. */
  wrongStatus: number;
  errors5xx: number;
}

export async function versionRace(reg: Registry, creates: number): Promise<VersionRaceFigures> {
  const client = new RegistryClient(reg);
  const model = `race-${reg.backend}`;
  await client.createModel(model);
  const file = randomFile('model.bin', 64);
  const replies = await Promise.all(
    Array.from({ length: creates }, () => client.createVersion(model, [file]).catch(() => undefined)),
  );
  let errors5xx = 0;
  const numbers: number[] = [];
  for (const reply of replies) {
    if (!reply || reply.status >= 500) errors5xx++;
    else if (reply.status === 201) numbers.push(reply.body.version.version);
  }
  const distinct = new Set(numbers);
  // Read back what the registry holds, too: every number once, none beyond the count.
  const listed = new Set<number>();
  let token: string | null = null;
  for (let page = 0; page < 100; page++) {
    const q: string = token ? `&pageToken=${encodeURIComponent(token)}` : '';
    const res = await client.json<{ items: Array<{ version: number }>; nextPageToken: string | null }>(
      'GET',
      `/v1/models/${model}/versions?pageSize=1000${q}`,
      { as: ADMIN },
    );
    for (const item of res.body.items ?? []) listed.add(item.version);
    token = res.body.nextPageToken;
    if (!token) break;
  }
  let gaps = 0;
  for (let n = 1; n <= creates; n++) if (!distinct.has(n) || !listed.has(n)) gaps++;
  return {
    created: numbers.length,
    duplicates: numbers.length - distinct.size,
    gaps,
    errors5xx,
  };
}

export async function aliasRounds(reg: Registry, rounds: number, contenders: number): Promise<AliasRoundFigures> {
  const client = new RegistryClient(reg);
  const model = `alias-race-${reg.backend}`;
  await client.createModel(model);
  for (let i = 0; i < 3; i++) await client.push(model, [randomFile('model.bin', 128)]);
  const first = await client.request('PUT', `/v1/models/${model}/aliases/champion`, { body: { version: 1 } });
  let etag = first.headers.get('etag') ?? '';
  let current = 1;
  const figures: AliasRoundFigures = { rounds, badRounds: 0, wrongStatus: 0, errors5xx: 0 };
  for (let round = 0; round < rounds; round++) {
    const replies = await Promise.all(
      Array.from({ length: contenders }, (_, i) =>
        client.request('PUT', `/v1/models/${model}/aliases/champion`, {
          // Every contender moves the alias away from where it is (a move to the same version is a no-op).
          body: { version: 1 + ((current + (i % 2)) % 3) },
          headers: { 'if-match': etag },
        }),
      ),
    );
    const winners = replies.filter((r) => r.status === 200);
    figures.errors5xx += replies.filter((r) => r.status >= 500).length;
    figures.wrongStatus += replies.filter((r) => r.status !== 200 && r.status !== 412).length;
    if (winners.length !== 1) figures.badRounds++;
    const now = await client.request('GET', `/v1/models/${model}/aliases/champion`);
    etag = now.headers.get('etag') ?? '';
    const body = (await now.json()) as { version?: number };
    // The alias must point where the single winner moved it.
    const winner = winners[0] ? ((await winners[0].json()) as { version?: number }) : undefined;
    if (winners.length === 1 && winner?.version !== body.version) figures.badRounds++;
    current = body.version ?? current;
  }
  return figures;
}
