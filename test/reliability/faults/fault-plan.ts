/** Which faults a proxy injects, how often, and the counts it keeps. */
import type { IncomingHttpHeaders } from 'node:http';

export type FaultKind = 'drop' | 'delay' | 'status500' | 'status503' | 'resetMidBody' | 'lostResponse';

export const FAULT_KINDS: readonly FaultKind[] = [
  'drop',
  'delay',
  'status500',
  'status503',
  'resetMidBody',
  'lostResponse',
];

export interface FaultStats {
  requests: number;
  injected: number;
  byKind: Record<FaultKind, number>;
}

/** A request as the fault proxy holds it, before it decides its fate. */
export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What the fault proxy asks about each request: a seeded plan, or a test aiming at one request. */
export interface FaultSource {
  /** The fault for this request, or none. */
  next(request: ProxiedRequest): FaultKind | undefined;
  /** How long a `delay` fault holds its request. */
  delayMs(): number;
}

export class FaultPlan implements FaultSource {
  /** While false, every request passes untouched (set-up and the final reconciliation). */
  enabled = false;
  readonly stats: FaultStats = {
    requests: 0,
    injected: 0,
    byKind: { drop: 0, delay: 0, status500: 0, status503: 0, resetMidBody: 0, lostResponse: 0 },
  };
  private state: number;

  /** `rate`: the share of requests that get a fault; `seed` makes the choice repeatable. */
  constructor(
    readonly rate: number,
    seed: number,
    readonly kinds: readonly FaultKind[] = FAULT_KINDS,
  ) {
    this.state = seed >>> 0 || 1;
  }

  /** xorshift32: small, seeded, good enough to spread faults. */
  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x1_0000_0000;
  }

  /** How long a `delay` fault holds its request (50-300 ms), from the same seeded sequence. */
  delayMs(): number {
    return 50 + Math.floor(this.random() * 250);
  }

  /** Decides the fate of one request. */
  next(): FaultKind | undefined {
    if (!this.enabled) return undefined;
    this.stats.requests++;
    if (this.random() >= this.rate) return undefined;
    const kind = this.kinds[Math.floor(this.random() * this.kinds.length)] ?? 'drop';
    this.stats.injected++;
    this.stats.byKind[kind]++;
    return kind;
  }
}
