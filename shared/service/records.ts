/** The rows the registry stores, and how they become the records clients see. */
import type {
  Approval,
  JsonObject,
  Model,
  ModelState,
  ModelVersion,
  Retention,
  Verification,
  VersionFile,
  VersionState,
} from '../domain/types.js';
import type { HashProgress } from './resumable-digest.js';

export interface ModelRow {
  [key: string]: unknown;
  name: string;
  description: string;
  owner: string;
  maintainers: string[];
  /** Absent on rows written before drop-ins were per model: nobody listed. */
  dropInPrincipals?: string[];
  tags: Record<string, string>;
  properties: JsonObject;
  state: ModelState;
  protectedAliases: string[];
  maxTransientVersions: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  etag: string;
}

/** The catalog row (partition MODELS): what listing and filtering need, copied from META. */
export interface CatalogRow {
  [key: string]: unknown;
  name: string;
  description: string;
  owner: string;
  tags: Record<string, string>;
  state: ModelState;
  createdAt: string;
  updatedAt: string;
  etag: string;
  /** Set while the model row is not written yet: such rows are not listed. */
  pending?: boolean;
}

/** A blob a PENDING version still waits for: where its bytes are staged. */
export interface PendingUpload {
  sha256: string;
  size: number;
  stagingKey: string;
  multipartUploadId?: string;
  /** The part size the client asked for (`partSize` on create); unset: the registry's plan. */
  partSize?: number;
  /** Where an interrupted verification of these bytes stopped. */
  hashProgress?: HashProgress;
}

export interface VersionRow {
  [key: string]: unknown;
  version: number;
  label?: string;
  description: string;
  state: VersionState;
  approval: Approval;
  /** Inline when they fit an item comfortably; otherwise in F# rows and `filesExternal`. */
  files?: VersionFile[];
  filesExternal?: boolean;
  fileCount: number;
  /** Total bytes of the files (rows written before it was kept lack it). */
  size?: number;
  tags: Record<string, string>;
  properties: JsonObject;
  runId?: string;
  format?: string;
  signature?: JsonObject;
  /** Where the bytes came from (`runs:/...`), or the URI a reference version stands for. */
  source?: string;
  retention: Retention;
  expiresAt?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  etag: string;
  uploadId: string;
  pending: PendingUpload[];
  verification?: Verification;
  requestHash: string;
}

export interface AliasRow {
  [key: string]: unknown;
  alias: string;
  version: number;
  updatedAt: string;
  etag: string;
}

export interface BlobRow {
  [key: string]: unknown;
  sha256: string;
  size: number;
  /** WRITING: bytes being copied in; HELD: present; DELETING: the collector is removing them. */
  state: 'WRITING' | 'HELD' | 'DELETING';
  createdAt: string;
  lastClaimAt: string;
}

export interface IdempotencyRow {
  [key: string]: unknown;
  requestHash: string;
  version?: number;
  reservedAt: string;
  /** The request that reserved the key (absent on rows written before it was recorded). */
  holder?: string;
}

export function modelFromRows(row: ModelRow, latestVersion: number, aliases: Record<string, number>): Model {
  return {
    name: row.name,
    description: row.description,
    owner: row.owner,
    maintainers: row.maintainers,
    dropInPrincipals: row.dropInPrincipals ?? [],
    tags: row.tags,
    properties: row.properties,
    state: row.state,
    latestVersion,
    aliases,
    protectedAliases: row.protectedAliases,
    maxTransientVersions: row.maxTransientVersions,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
    etag: row.etag,
  };
}

export function catalogRowOf(row: ModelRow): CatalogRow {
  return {
    name: row.name,
    description: row.description,
    owner: row.owner,
    tags: row.tags,
    state: row.state,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    etag: row.etag,
  };
}

export function versionFromRow(model: string, row: VersionRow, files: VersionFile[] | undefined): ModelVersion {
  const v: ModelVersion = {
    model,
    version: row.version,
    description: row.description,
    state: row.state,
    approval: row.approval,
    files: files ?? row.files ?? [],
    fileCount: row.fileCount,
    tags: row.tags,
    properties: row.properties,
    retention: row.retention,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    updatedAt: row.updatedAt,
    etag: row.etag,
  };
  const listed = files ?? row.files;
  const size = row.size ?? (listed && listed.length === row.fileCount ? totalSize(listed) : undefined);
  if (size !== undefined) v.size = size;
  if (row.label !== undefined) v.label = row.label;
  if (row.runId !== undefined) v.runId = row.runId;
  if (row.format !== undefined) v.format = row.format;
  if (row.signature !== undefined) v.signature = row.signature;
  if (row.source !== undefined) v.source = row.source;
  if (row.expiresAt !== undefined) v.expiresAt = row.expiresAt;
  if (row.verification !== undefined) v.verification = row.verification;
  return v;
}

export const totalSize = (files: readonly { size: number }[]): number => files.reduce((sum, f) => sum + f.size, 0);

export const isExpired = (row: { retention?: Retention; expiresAt?: string }, now: Date): boolean =>
  row.retention === 'transient' && row.expiresAt !== undefined && Date.parse(row.expiresAt) <= now.getTime();
