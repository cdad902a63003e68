/**
 * The row-key layout (DESIGN.md "suggested key layout"). Numbers are zero-padded and, where
 * newest-first order is needed, inverted, because every store reads ascending only.
 */
const WIDTH = 12;
const MAX = 10 ** WIDTH - 1;

export const pad = (n: number, width = WIDTH): string => String(n).padStart(width, '0');
export const invert = (n: number): string => pad(MAX - n);
export const uninvert = (s: string): number => MAX - Number(s);

export const keys = {
  catalog: 'MODELS',
  model: (name: string) => `M#${name}`,
  meta: 'META',
  counter: 'CTR',
  version: (n: number) => `V#${invert(n)}`,
  versionPrefix: 'V#',
  /** READY, non-archived versions only: `latest` and `-k` read k rows. */
  ready: (n: number) => `R#${invert(n)}`,
  readyPrefix: 'R#',
  /** Transient versions, oldest first, for the per-model cap. */
  transient: (n: number) => `T#${pad(n)}`,
  transientPrefix: 'T#',
  /** PENDING versions, oldest first, for the sweeper. */
  pending: (n: number) => `P#${pad(n)}`,
  pendingPrefix: 'P#',
  /** The sweeper's record of version numbers it found unwritten (crashed creates). */
  holes: 'HOLES',
  /** Tombstone of a deleted version, so the sweeper does not take its number for a hole. */
  deleted: (n: number) => `D#${pad(n)}`,
  deletedPrefix: 'D#',
  files: (n: number, i: number) => `F#${invert(n)}#${pad(i, 6)}`,
  filesPrefix: (n: number) => `F#${invert(n)}#`,
  alias: (alias: string) => `A#${alias}`,
  aliasPrefix: 'A#',
  aliasHistory: (alias: string, id: string) => `AH#${alias}#${id}`,
  aliasHistoryPrefix: (alias: string) => `AH#${alias}#`,
  label: (label: string) => `L#${label}`,
  /** An Idempotency-Key, scoped to its caller (a digest of the subject, `#`, the key). */
  idempotency: (callerKey: string) => `I#${callerKey}`,
  history: (id: string) => `H#${id}`,
  historyPrefix: 'H#',
  blob: (sha256: string) => `BLOB#${sha256}`,
  blobRef: (model: string, version: number) => `REF#${model}#${pad(version)}`,
  blobRefPrefix: 'REF#',
  /** A claim by something other than a version (`run/<id>/<path hash>`, `lmodel/<id>/<path hash>`). */
  blobHolderRef: (holder: string) => `REF#@${holder}`,
  /** Which version a staging upload belongs to (partition `UPLOAD#<uploadId>`), for object-created events. */
  upload: (uploadId: string) => `UPLOAD#${uploadId}`,
  /** Drop-ins seen per model (partition `DROP#<model>`, row per path): orders overwrites by sequencer. */
  dropIns: (model: string) => `DROP#${model}`,
  dropIn: (path: string) => `K#${path}`,
  /** How far the outbox publisher has read a model's history. */
  published: 'PUB',
  /**
   * Due index of what the sweeper ends at a time (transient versions, abandoned artifact
   * uploads), sharded by hour so no partition takes every write.
   */
  due: (expiresAt: string) => `DUE#${expiresAt.slice(0, 13)}`,
  dueRow: (expiresAt: string, model: string, version: number) => `${expiresAt}#${model}#${pad(version)}`,
  /** `@` is in no model name, so an upload's row never reads as a version's. */
  dueUploadRow: (expiresAt: string, uploadId: string) => `${expiresAt}#@upload#${uploadId}`,
} as const;

export const objectKeys = (prefix: string) => ({
  blob: (sha256: string) => `${prefix}blobs/sha256/${sha256}`,
  blobPrefix: `${prefix}blobs/sha256/`,
  staging: (uploadId: string, index: number) => `${prefix}uploads/${uploadId}/${index}`,
  stagingPrefix: `${prefix}uploads/`,
});

/** Where drop-ins land: outside the registry's prefix, as users write them. */
export const INCOMING_PREFIX = 'incoming/';

export const runKeys = {
  experiments: 'EXPERIMENTS',
  experimentName: (name: string) => `N#${name}`,
  experiment: (id: string) => `X#${id}`,
  experimentPrefix: 'X#',
  experimentRuns: (experimentId: string) => `EXP#${experimentId}`,
  runRow: (runId: string) => `R#${runId}`,
  runRowPrefix: 'R#',
  /**
   * A run in its experiment's partition again, keyed newest first (start time counted down from
   * the greatest 15-digit number of milliseconds), then by id: run search's default order, read
   * forward, as every store can (Azure Table cannot read backwards).
   */
  runByStart: (startMs: number, runId: string) => `S#${pad(10 ** 15 - 1 - startMs, 15)}#${runId}`,
  runByStartPrefix: 'S#',
  /** How far that index covers the experiment's runs (runs made before it existed are added by the sweeper). */
  runIndexState: 'RUNINDEX',
  run: (runId: string) => `RUN#${runId}`,
  latestMetric: (key: string) => `LM#${key}`,
  latestMetricPrefix: 'LM#',
  runVersion: (model: string, version: number) => `MV#${model}#${pad(version)}`,
  runVersionPrefix: 'MV#',
  metricSeries: (runId: string, key: string) => `RUN#${runId}#${key}`,
  /** A logged model (MLflow 3): pointer partition; its row lives in its experiment's partition. */
  loggedModel: (id: string) => `LMODEL#${id}`,
  loggedModelRow: (id: string) => `L#${id}`,
  loggedModelRowPrefix: 'L#',
  /** Artifact index entries in the owner's partition: one row per directory entry, `#` never occurs in paths. */
  artifactEntry: (parent: string, name: string) => `AL#${parent}#${name}`,
  artifactDirPrefix: (parent: string) => `AL#${parent}#`,
  /** An artifact multipart upload under way, in the owner's partition. */
  artifactUpload: (uploadId: string) => `AU#${uploadId}`,
  /**
   * A point's position in its series, sorting as (step, timestamp): steps may be negative in
   * MLflow, so they are offset. Paging cursors and chunk keys; in the first layout (one row per
   * point) also the row key, so those rows all start with `0`.
   */
  metricPoint: (step: number, timestamp: number) => `${pad(step + 10 ** 15, 20)}#${pad(timestamp, 15)}`,
  metricPointPrefix: '0',
  /** A packed chunk: the points after the previous chunk's end, up to its own end position. */
  metricChunk: (end: string) => `C#${end}`,
  metricChunkPrefix: 'C#',
  /** The open chunk: the points after the last chunk's end (`~` sorts after every position). */
  metricTail: 'C#~',
} as const;
