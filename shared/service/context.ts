/** What every registry operation runs against: the ports, the clock and the settings. */
import type { Principal } from '../ports/auth.js';
import type { Clock } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { Sha256Factory } from '../ports/sha256.js';
import type { HomeExperiments } from './tracking/home-experiments.js';

export interface RegistrySettings {
  /** Key prefix inside the bucket or container, e.g. `mreg/` (ends with `/`, or empty). */
  prefix: string;
  uploadUrlSeconds: number;
  downloadUrlSeconds: number;
  /** Files up to this size are hashed inside `commit`; bigger ones verify asynchronously. */
  inlineHashMaxBytes: number;
  /** Files above this size are offered as multipart uploads. */
  multipartThresholdBytes: number;
  /** A blob no version references is collected only after this long. */
  blobGraceSeconds: number;
  /** A blob still WRITING this long (plus time for its size) has lost its writer: another copies it in. */
  blobWriteStaleSeconds: number;
  defaultMaxTransientVersions: number;
  /** A PENDING version untouched this long is failed by the sweeper. */
  pendingTimeoutSeconds: number;
  /** How long one asynchronous verification may hash before it saves its state and re-enqueues. */
  verificationSliceMs: number;
  /**
   * An Idempotency-Key reservation with no version this old belongs to a request that died; a
   * retry takes it over. As in Powertools' idempotency, "in progress" lasts as long as a request
   * can run: the API function's timeout is 29 s.
   */
  idempotencyInProgressSeconds: number;
  /**
   * Run search's bound on work per page: runs read by a scan (any filter and order; more is a
   * 400), or index rows examined in the default order (newest first; a page may then come short).
   */
  maxSearchedRuns: number;
  /**
   * The deployment's allow-list: principals whose `incoming/` drop-ins may create a model (they
   * own it then). Unset or empty: no drop-in creates a model. Versions of an existing model come
   * only from its writers (see `isDropInWriter`).
   */
  dropInPrincipals?: string[];
}

export const defaultSettings: RegistrySettings = {
  prefix: 'mreg/',
  uploadUrlSeconds: 3600,
  downloadUrlSeconds: 900,
  inlineHashMaxBytes: 256 * 1024 * 1024,
  multipartThresholdBytes: 100 * 1024 * 1024,
  blobGraceSeconds: 3600,
  blobWriteStaleSeconds: 30,
  defaultMaxTransientVersions: 20,
  pendingTimeoutSeconds: 7 * 86400,
  verificationSliceMs: 10 * 60_000,
  idempotencyInProgressSeconds: 30,
  maxSearchedRuns: 10_000,
};

/** Hands a PENDING version to asynchronous verification (in-process, a queue, a function). */
export interface VerificationQueue {
  enqueue(model: string, version: number): Promise<void>;
}

export interface RegistryContext {
  metadata: MetadataStore;
  objects: ObjectStore;
  clock: Clock;
  settings: RegistrySettings;
  verification: VerificationQueue;
  /** How staged bytes are hashed when the store does not report their SHA-256. */
  sha256: Sha256Factory;
  /** A new sortable unique id (ULID). */
  newId(): string;
  /** The experiments runs and logged models live in, kept by this process (they never move). */
  homes: HomeExperiments;
}

export interface Actor extends Principal {
  /** Acting for the writer of an `incoming/` drop-in: model writes follow `isDropInWriter`. */
  dropIn?: true;
}

/** The registry acting on its own (sweeper, verifier, drop-ins): every scope, recorded under `subject`. */
export const systemActor = (subject = 'mreg:system'): Actor => ({
  subject,
  scopes: new Set(['registry.read', 'registry.write', 'registry.admin']),
});
