/** The registry's records as clients see them (the shapes in DESIGN.md). */
export type ModelState = 'LIVE' | 'ARCHIVED';
export type VersionState = 'PENDING' | 'READY' | 'FAILED' | 'ARCHIVED';
export type Approval = 'NONE' | 'PENDING' | 'APPROVED' | 'REJECTED';
export type Retention = 'archived' | 'transient';
export type JsonObject = { [key: string]: unknown };

export interface Model {
  name: string;
  description: string;
  owner: string;
  maintainers: string[];
  /** Principals (S3 `principalId`, Event Grid identity) whose `incoming/` drop-ins may add versions. */
  dropInPrincipals: string[];
  tags: Record<string, string>;
  properties: JsonObject;
  state: ModelState;
  latestVersion: number;
  aliases: Record<string, number>;
  protectedAliases: string[];
  maxTransientVersions: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  etag: string;
}

/** A row of the models list: the model without maintainers, properties and protected aliases. */
export type ModelSummary = Pick<
  Model,
  'name' | 'description' | 'owner' | 'tags' | 'state' | 'latestVersion' | 'aliases' | 'createdAt' | 'updatedAt' | 'etag'
>;

export interface VersionFile {
  path: string;
  size: number;
  sha256: string;
  contentType: string;
}

export interface Verification {
  status: 'RUNNING' | 'FAILED' | 'DONE';
  reasons: string[];
}

export interface ModelVersion {
  model: string;
  version: number;
  label?: string;
  description: string;
  state: VersionState;
  approval: Approval;
  files: VersionFile[];
  /** How many files, and their total bytes: list pages leave `files` empty for long file lists. */
  fileCount: number;
  /** Absent only for versions written before sizes were kept whose file list is stored apart. */
  size?: number;
  tags: Record<string, string>;
  properties: JsonObject;
  runId?: string;
  format?: string;
  signature?: JsonObject;
  /** `runs:/...`, `models:/<logged model>`, `mlflow-artifacts:/...`, or a reference version's URI (no files). */
  source?: string;
  retention: Retention;
  expiresAt?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  etag: string;
  verification?: Verification;
}

export type UploadInstruction =
  | { path: string; method: 'PUT'; url: string; headers: Record<string, string>; expiresAt: string }
  | { path: string; multipart: { uploadId: string; partSize: number; partCount: number } };

export interface HistoryEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

export interface AliasMove {
  id: string;
  alias: string;
  at: string;
  actor: string;
  from: number | null;
  to: number | null;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}
