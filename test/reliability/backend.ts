/**
 * What every reliability section runs against: one registry (core + adapters) over real
 * servers, reached through its HTTP app, with a clock the section moves and a way to write
 * objects into storage the way a user's tool would.
 */
import type { MetadataStore } from '../../shared/ports/metadata-store.js';
import type { ObjectStore } from '../../shared/ports/object-store.js';
import type { RegistrySettings } from '../../shared/service/context.js';
import type { RegistryService } from '../../shared/service/registry-service.js';
import type { CrashableServer } from '../support/crashable-server.js';
import type { FaultSource } from './faults/fault-plan.js';

export type BackendName = 'local' | 'aws' | 'azure';

/** The writer the sections' drop-ins name; every registry here lets it create models by drop-in. */
export const DROP_IN_WRITER = 'AWS:AIDARELIABILITY';

/** A section's settings, with the drop-in writer on the deployment's allow-list. */
export const sectionSettings = (settings: Partial<RegistrySettings> = {}): Partial<RegistrySettings> => ({
  dropInPrincipals: [DROP_IN_WRITER],
  ...settings,
});

export interface MovableClock {
  now(): Date;
  advance(seconds: number): void;
}

export interface Registry {
  backend: BackendName;
  registry: RegistryService;
  metadata: MetadataStore;
  objects: ObjectStore;
  clock: MovableClock;
  /** The registry's key prefix inside the bucket or container. */
  prefix: string;
  /** The HTTP app: `fetch(Request) -> Response`. */
  fetch(request: Request): Promise<Response>;
  /** Sends the request a signed URL describes (to the storage server, or the local app). */
  sendSigned(url: string, init: RequestInit): Promise<Response>;
  /** Writes an object straight into storage (as `aws s3 cp` or azcopy would), returning its bare etag. */
  putObject(key: string, bytes: Uint8Array, metadata?: Record<string, string>): Promise<string>;
  /** What the app logged as unexpected (the cause behind a 500), newest last. */
  unexpectedErrors: string[];
  /** With `crashes`: the storage servers this registry alone talks to, which a section may SIGKILL and restart. */
  crashable?: CrashableServer[];
  close(): Promise<void>;
}

export interface OpenOptions {
  settings?: Partial<RegistrySettings>;
  /** Routes the SDK clients through a fault-injecting proxy (cloud backends). */
  faults?: FaultSource;
  /**
   * Cloud backends: the registry gets storage servers of its own, with their data on disk,
   * listed in `Registry.crashable` (aws: s3rver, DynamoDB Local; azure: Azurite), so a section
   * can kill them mid-flow without touching the servers the other sections share.
   */
  crashes?: boolean;
  /**
   * Runs just before the registry's server-side copy reaches the real store (cloud backends):
   * an interleaving point for races that are too narrow to hit by timing. Nothing is faked;
   * the copy itself still goes to the server.
   */
  beforeCopy?: (fromKey: string, toKey: string) => Promise<void>;
  /** Told every key the registry reads bytes of (counting hashing reads). */
  onRead?: (key: string) => void;
  /**
   * AWS: the S3 client goes through the checksum shim (test/support/aws/checksum-shim.ts), so
   * HEAD reports a full-object SHA-256 as S3 does. Other backends ignore it.
   */
  checksums?: boolean;
}

/** The servers of one backend, started once; each section opens its own isolated registry on them. */
export interface Backend {
  name: BackendName;
  open(options?: OpenOptions): Promise<Registry>;
  stop(): Promise<void>;
}
