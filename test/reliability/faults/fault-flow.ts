/**
 * The workload the fault sections run: several workers push versions (create with an
 * Idempotency-Key, upload, commit) and move an alias, retrying what a well-behaved client
 * retries (network errors, 503, 409 in progress). It records what callers saw.
 */
import { randomBytes } from 'node:crypto';
import { type ClientTarget, type CreatedBody, type LocalFile, RegistryClient, type Reply } from '../registry-client.js';

export interface FlowFigures {
  calls: number;
  networkErrors: number;
  /** 503 answers: a fault or an outage reached the caller, named as retriable. */
  unavailable: number;
  /** 5xx other than 503: an error the caller cannot tell is retriable. */
  unexpected5xx: number;
  /** Error answers that were not problem+json. */
  nonProblemErrors: number;
  pushed: number;
  gaveUp: number;
  examples: string[];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A well-behaved client's backoff: growing, capped at a second (a killed server takes seconds to come back). */
const backoff = (n: number) => pause(Math.min(1000, 30 + 20 * n));

export async function runFaultFlow(
  target: ClientTarget,
  model: string,
  options: {
    workers: number;
    iterations: number;
    sharedEvery: number;
    /** Told the running count before every call: lets a fault be injected at a point of the flow, not at a time. */
    onCall?: (calls: number) => void;
  },
): Promise<FlowFigures> {
  const client = new RegistryClient(target);
  const figures: FlowFigures = {
    calls: 0,
    networkErrors: 0,
    unavailable: 0,
    unexpected5xx: 0,
    nonProblemErrors: 0,
    pushed: 0,
    gaveUp: 0,
    examples: [],
  };
  const shared = randomBytes(2048);

  /** One attempt: a reply, or undefined on a network error. */
  const counted = () => {
    figures.calls++;
    options.onCall?.(figures.calls);
  };
  const attempt = async <T>(what: string, call: () => Promise<Reply<T>>): Promise<Reply<T> | undefined> => {
    counted();
    try {
      const reply = await call();
      if (reply.status === 503) figures.unavailable++;
      if (reply.status >= 500 && reply.status !== 503) {
        figures.unexpected5xx++;
        if (figures.examples.length < 10)
          figures.examples.push(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
      }
      if (reply.status >= 400 && !(reply.headers.get('content-type') ?? '').startsWith('application/problem+json'))
        figures.nonProblemErrors++;
      return reply;
    } catch {
      figures.networkErrors++;
      return undefined;
    }
  };
  const retriable = (r: Reply<unknown> | undefined) =>
    !r || r.status >= 500 || (r.status === 409 && String(JSON.stringify(r.body)).includes('in progress'));

  const pushOne = async (worker: number, i: number): Promise<boolean> => {
    const bytes = i % options.sharedEvery === 0 ? shared : randomBytes(1024 + ((worker * 97 + i * 13) % 3000));
    const file: LocalFile = { path: 'model.bin', bytes };
    const key = `w${worker}-i${i}`;
    let created: Reply<CreatedBody> | undefined;
    for (let n = 0; n < 60; n++) {
      created = await attempt('create', () =>
        client.createVersion(model, [file], { idempotencyKey: key, tags: { idempotencyKey: key } }),
      );
      if (!retriable(created)) break;
      await backoff(n);
    }
    if (!created || (created.status !== 201 && created.status !== 200)) {
      if (figures.examples.length < 10)
        figures.examples.push(
          `gave up at create: ${created?.status} ${String(JSON.stringify(created?.body)).slice(0, 300)}`,
        );
      return false;
    }
    const version = created.body.version.version;
    const upload = async () => {
      for (const u of created.body.uploads)
        for (let n = 0; n < 30; n++) {
          counted();
          const status = await client.upload(u, bytes).catch(() => 0);
          if (status === 0) figures.networkErrors++;
          if (status >= 200 && status < 300) break;
          await backoff(n);
        }
    };
    await upload();
    let ready = false;
    for (let n = 0; n < 60 && !ready; n++) {
      const committed = await attempt('commit', () => client.commit(model, version));
      const status = committed?.status ?? 0;
      const text = committed ? JSON.stringify(committed.body) : '';
      if (status === 200) ready = true;
      else if (status === 409 && text.includes('not uploaded')) await upload();
      else if (status >= 400 && status < 500) {
        if (figures.examples.length < 10) figures.examples.push(`gave up at commit: ${status} ${text.slice(0, 300)}`);
        return false;
      }
      if (!ready) await backoff(n);
    }
    if (!ready) return false;
    for (let n = 0; n < 30; n++) {
      const moved = await attempt('alias', () =>
        client.json('PUT', `/v1/models/${model}/aliases/w${worker}`, { body: { version } }),
      );
      if (moved && moved.status < 500) break;
      await backoff(n);
    }
    return true;
  };

  await Promise.all(
    Array.from({ length: options.workers }, async (_, worker) => {
      for (let i = 0; i < options.iterations; i++) {
        if (await pushOne(worker, i)) figures.pushed++;
        else figures.gaveUp++;
      }
    }),
  );
  return figures;
}
