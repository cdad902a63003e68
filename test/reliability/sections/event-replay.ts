/**
 * Event replay: drop-ins under `incoming/<model>/<file>` whose object-created events arrive
 * three times each, shuffled, an overwrite's events newest first. Exactly one version per
 * object write that is the newest when its events arrive; the final bytes are the newest write's.
 */
import { randomBytes } from 'node:crypto';
import type { ObjectCreatedEvent } from '../../../shared/service/object-created.js';
import { DROP_IN_WRITER, type Registry } from '../backend.js';
import { deliverAll } from '../delivery-queue.js';
import { ADMIN } from '../principal-header.js';
import { RegistryClient, sha256 } from '../registry-client.js';
import { SeededRandom } from '../seeded-random.js';

export interface EventReplayFigures {
  objects: number;
  deliveries: number;
  extraEffects: number;
  finalMatchesNewest: boolean;
  deadLettered: number;
  /** What did not match, for the details block. */
  examples: string[];
}

interface Write {
  model: string;
  path: string;
  bytes: Uint8Array;
  event: ObjectCreatedEvent;
}

/** Expected: each (model, path) ends with exactly `versions` versions of it, the newest holding `newest`. */
interface Expectation {
  model: string;
  path: string;
  versions: number;
  newest: Uint8Array;
}

const COPIES = 3;

export async function eventReplay(
  reg: Registry,
  options: { models: number; filesPerModel: number; seed: number },
): Promise<EventReplayFigures> {
  const random = new SeededRandom(options.seed);
  const client = new RegistryClient(reg);
  let sequence = 0x0055b98874000000;
  const write = async (model: string, path: string, size: number): Promise<Write> => {
    const bytes = randomBytes(size);
    const key = `incoming/${model}/${path}`;
    const etag = await reg.putObject(key, bytes);
    sequence += 1 + random.int(1000);
    const event: ObjectCreatedEvent = {
      key,
      size,
      etag,
      sequencer: sequence.toString(16).toUpperCase().padStart(18, '0'),
      creator: DROP_IN_WRITER,
    };
    return { model, path, bytes, event };
  };

  // Phase 1: every write lands before any event; the first file of each model is overwritten.
  const writes: Write[] = [];
  const expectations: Expectation[] = [];
  for (let m = 0; m < options.models; m++) {
    const model = `replay-${reg.backend}-${m}`;
    for (let f = 0; f < options.filesPerModel; f++) {
      const path = `f${f}.bin`;
      const first = await write(model, path, 100 + random.int(400));
      writes.push(first);
      let newest = first;
      if (f === 0) {
        newest = await write(model, path, 100 + random.int(400));
        writes.push(newest);
      }
      expectations.push({ model, path, versions: 1, newest: newest.bytes });
    }
  }
  const deliveries = orderNewestFirst(random.shuffle(writes.flatMap((w) => Array(COPIES).fill(w) as Write[])));
  // s3rver writes objects in place (a truncate, then the bytes), so a duplicate delivery that
  // copies onto a staging key while another verifies it shows a reader 0 or half the bytes.
  // S3 replaces objects atomically; on s3rver the duplicates are delivered one at a time.
  const consumers = reg.backend === 'aws' ? 1 : 4;
  const phase1 = await deliverAll(
    reg,
    deliveries.map((w) => w.event),
    { consumers },
  );

  // Phase 2: a key registered, then overwritten; the new write's events come first, then the old ones again.
  const model = `replay-${reg.backend}-late`;
  const older = await write(model, 'late.bin', 300);
  const registeredOld = await deliverAll(reg, [older.event]);
  const newer = await write(model, 'late.bin', 300);
  const phase2 = await deliverAll(reg, [...Array(COPIES).fill(newer.event), ...Array(COPIES).fill(older.event)], {
    consumers: 1,
  });
  expectations.push({ model, path: 'late.bin', versions: 2, newest: newer.bytes });

  let extraEffects = 0;
  let finalMatchesNewest = true;
  const examples: string[] = [];
  const where = (e: Expectation) => `${e.model}/${e.path}`;
  for (const expectation of expectations) {
    const versions = await versionsOf(client, expectation.model, expectation.path);
    extraEffects += Math.abs(versions.length - expectation.versions);
    if (versions.length !== expectation.versions)
      examples.push(`${where(expectation)}: ${versions.length} versions, ${expectation.versions} expected`);
    const newest = versions[0];
    if (!newest || newest.sha256 !== sha256(expectation.newest) || newest.state !== 'READY') {
      finalMatchesNewest = false;
      examples.push(
        `${where(expectation)}: newest is ${JSON.stringify(newest)}, expected READY ${sha256(expectation.newest)}`,
      );
      continue;
    }
    const bytes = await download(client, reg, expectation.model, newest.version, expectation.path);
    if (!bytes || sha256(bytes) !== sha256(expectation.newest)) {
      finalMatchesNewest = false;
      examples.push(`${where(expectation)}: downloaded bytes differ from the newest write`);
    }
  }
  const outcomes = [...phase1.outcomes, ...registeredOld.outcomes, ...phase2.outcomes];
  for (const o of outcomes) if (o.kind === 'rejected' && examples.length < 20) examples.push(`rejected: ${o.reason}`);
  return {
    objects: writes.length + 2,
    deliveries: phase1.deliveries + registeredOld.deliveries + phase2.deliveries,
    extraEffects,
    finalMatchesNewest,
    deadLettered: phase1.deadLettered + registeredOld.deadLettered + phase2.deadLettered,
    examples,
  };
}

/** Within each key, puts the newest write's deliveries before the older ones' (reversed arrival). */
function orderNewestFirst(deliveries: Write[]): Write[] {
  const byKey = new Map<string, number[]>();
  deliveries.forEach((w, i) => {
    const list = byKey.get(w.event.key) ?? [];
    list.push(i);
    byKey.set(w.event.key, list);
  });
  const out = [...deliveries];
  for (const positions of byKey.values()) {
    const sorted = positions
      .map((i) => deliveries[i] as Write)
      .sort((a, b) => (b.event.sequencer ?? '').localeCompare(a.event.sequencer ?? ''));
    positions.forEach((p, j) => {
      out[p] = sorted[j] as Write;
    });
  }
  return out;
}

interface VersionOfPath {
  version: number;
  state: string;
  sha256: string;
}

/** Versions of a model that hold `path`, newest first. */
async function versionsOf(client: RegistryClient, model: string, path: string): Promise<VersionOfPath[]> {
  const res = await client.json<{ items?: Array<{ version: number; state: string }> }>(
    'GET',
    `/v1/models/${model}/versions?pageSize=1000`,
    { as: ADMIN },
  );
  const out: VersionOfPath[] = [];
  for (const item of res.body.items ?? []) {
    const files = await client.json<{ items: Array<{ path: string; sha256: string }> }>(
      'GET',
      `/v1/models/${model}/versions/${item.version}/files`,
      { as: ADMIN },
    );
    const file = files.body.items?.find((f) => f.path === path);
    if (file) out.push({ version: item.version, state: item.state, sha256: file.sha256 });
  }
  return out;
}

export async function download(
  client: RegistryClient,
  reg: Registry,
  model: string,
  version: number,
  path: string,
): Promise<Uint8Array | undefined> {
  const link = await client.json<{ url?: string }>(
    'GET',
    `/v1/models/${model}/versions/${version}/files/${path}?redirect=false`,
    { as: ADMIN },
  );
  if (link.status !== 200 || !link.body.url) return undefined;
  const res = await reg.sendSigned(link.body.url, { method: 'GET' });
  if (res.status !== 200) return undefined;
  return new Uint8Array(await res.arrayBuffer());
}
