/**
 * The response schemas: what the service's answers look like, for the OpenAPI document only
 * (the service builds these shapes; nothing parses them). Apart from the request schemas, so
 * a runtime that does not serve the document (the AWS API) neither bundles nor builds them.
 */
import * as z from 'zod/mini';
import { ApprovalSchema, buildAllSchemas, metricValueSchema, RetentionSchema, schemaRegistry } from './schemas.js';

// The request schemas are built on first use; the document needs every id registered, and
// registered first, so its components keep the order of the schema modules.
buildAllSchemas();

export const ModelSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    owner: z.string(),
    maintainers: z.array(z.string()),
    dropInPrincipals: z.array(z.string()),
    tags: z.record(z.string(), z.string()),
    properties: z.record(z.string(), z.unknown()),
    state: z.enum(['LIVE', 'ARCHIVED']),
    latestVersion: z.int(),
    aliases: z.record(z.string(), z.int()),
    protectedAliases: z.array(z.string()),
    maxTransientVersions: z.int(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    etag: z.string(),
  })
  .register(schemaRegistry, { id: 'Model' });

export const VersionFileSchema = z
  .object({ path: z.string(), size: z.int(), sha256: z.string(), contentType: z.string() })
  .register(schemaRegistry, { id: 'VersionFile' });

export const ModelVersionSchema = z
  .object({
    model: z.string(),
    version: z.int(),
    label: z.optional(z.string()),
    description: z.string(),
    state: z.enum(['PENDING', 'READY', 'FAILED', 'ARCHIVED']),
    approval: ApprovalSchema(),
    files: z.array(VersionFileSchema),
    fileCount: z.int(),
    size: z.optional(z.int()),
    tags: z.record(z.string(), z.string()),
    properties: z.record(z.string(), z.unknown()),
    runId: z.optional(z.string()),
    format: z.optional(z.string()),
    signature: z.optional(z.record(z.string(), z.unknown())),
    source: z.optional(z.string()),
    retention: RetentionSchema(),
    expiresAt: z.optional(z.string()),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    etag: z.string(),
    verification: z.optional(z.object({ status: z.enum(['RUNNING', 'FAILED', 'DONE']), reasons: z.array(z.string()) })),
  })
  .register(schemaRegistry, { id: 'ModelVersion' });

export const SignedRequestSchema = z
  .object({
    method: z.enum(['PUT', 'GET']),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  })
  .register(schemaRegistry, { id: 'SignedRequest' });

export const UploadInstructionSchema = z
  .union([
    z.object({
      path: z.string(),
      method: z.literal('PUT'),
      url: z.string(),
      headers: z.record(z.string(), z.string()),
      expiresAt: z.string(),
    }),
    z.object({
      path: z.string(),
      multipart: z.object({ uploadId: z.string(), partSize: z.int(), partCount: z.int() }),
    }),
  ])
  .register(schemaRegistry, { id: 'UploadInstruction' });

export const CreateVersionResponse = z
  .object({ version: ModelVersionSchema, uploads: z.array(UploadInstructionSchema) })
  .register(schemaRegistry, { id: 'CreateVersionResponse' });

export const AliasSchema = z.object({ alias: z.string(), version: z.int() }).register(schemaRegistry, { id: 'Alias' });

export const HistoryEntrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    before: z.unknown(),
    after: z.unknown(),
  })
  .register(schemaRegistry, { id: 'HistoryEntry' });

export const DropInRecordSchema = z
  .object({
    path: z.string(),
    state: z.enum(['REGISTERED', 'REJECTED', 'PENDING']),
    etag: z.string(),
    creator: z.optional(z.string()),
    version: z.optional(z.int()),
    reason: z.optional(z.string()),
    recordedAt: z.optional(z.string()),
  })
  .register(schemaRegistry, {
    id: 'DropIn',
    description: 'An incoming/ write: who wrote it, and the version it became or why it was refused',
  });

export const AliasMoveSchema = z
  .object({
    id: z.string(),
    alias: z.string(),
    at: z.string(),
    actor: z.string(),
    from: z.nullable(z.int()),
    to: z.nullable(z.int()),
  })
  .register(schemaRegistry, { id: 'AliasMove' });

export const FileUrlSchema = z
  .object({ url: z.string(), expiresAt: z.string(), size: z.int(), sha256: z.string() })
  .register(schemaRegistry, { id: 'FileUrl' });

export const PartUrlsResponse = z
  .object({ parts: z.array(z.object({ partNumber: z.int(), ...SignedRequestSchema.shape })) })
  .register(schemaRegistry, { id: 'PartUrlsResponse' });

export const UploadedPartsResponse = z
  .object({
    path: z.string(),
    partSize: z.int(),
    partCount: z.int(),
    parts: z.array(z.object({ partNumber: z.int(), size: z.int(), etag: z.string() })),
  })
  .register(schemaRegistry, { id: 'UploadedPartsResponse' });

export const pageOf = <T extends z.ZodMiniType>(item: T, id: string) =>
  z.object({ items: z.array(item), nextPageToken: z.nullable(z.string()) }).register(schemaRegistry, { id });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.optional(z.string()),
    errors: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
  })
  .register(schemaRegistry, { id: 'Problem' });

export const ExperimentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    tags: z.record(z.string(), z.string()),
    lifecycleStage: z.enum(['active', 'deleted']),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
  })
  .register(schemaRegistry, { id: 'Experiment' });

const MetricNumber = metricValueSchema();

export const RunSchema = z
  .object({
    id: z.string(),
    experimentId: z.string(),
    name: z.string(),
    status: z.enum(['RUNNING', 'FINISHED', 'FAILED', 'KILLED']),
    params: z.record(z.string(), z.string()),
    tags: z.record(z.string(), z.string()),
    startTime: z.string(),
    endTime: z.nullable(z.string()),
    latestMetrics: z.record(z.string(), MetricNumber),
    latestMetricPoints: z.record(z.string(), z.object({ value: MetricNumber, step: z.int(), timestamp: z.int() })),
    modelVersions: z.array(z.object({ model: z.string(), version: z.int() })),
    createdBy: z.string(),
    lifecycleStage: z.optional(z.enum(['active', 'deleted'])),
    inputs: z.object({
      datasets: z.array(
        z.object({
          name: z.string(),
          digest: z.string(),
          sourceType: z.string(),
          source: z.string(),
          schema: z.optional(z.string()),
          profile: z.optional(z.string()),
          tags: z.record(z.string(), z.string()),
        }),
      ),
      models: z.array(z.object({ modelId: z.string() })),
    }),
    outputs: z.object({ models: z.array(z.object({ modelId: z.string(), step: z.int() })) }),
  })
  .register(schemaRegistry, { id: 'Run' });

export const MetricPointSchema = z
  .object({ value: MetricNumber, step: z.int(), timestamp: z.int() })
  .register(schemaRegistry, { id: 'MetricValue' });

export const ModelPage = pageOf(
  z.pick(ModelSchema, {
    name: true,
    description: true,
    owner: true,
    tags: true,
    state: true,
    latestVersion: true,
    aliases: true,
    createdAt: true,
    updatedAt: true,
    etag: true,
  }),
  'ModelSummaryPage',
);
export const VersionPage = pageOf(ModelVersionSchema, 'ModelVersionPage');
export const HistoryPage = pageOf(HistoryEntrySchema, 'HistoryPage');
export const AliasHistoryPage = pageOf(AliasMoveSchema, 'AliasMovePage');
export const DropInPage = pageOf(DropInRecordSchema, 'DropInPage');
export const MetricPage = pageOf(MetricPointSchema, 'MetricPage');
export const ExperimentPage = pageOf(ExperimentSchema, 'ExperimentPage');
export const RunPage = pageOf(RunSchema, 'RunPage');
export const FileList = z.object({ items: z.array(VersionFileSchema) }).register(schemaRegistry, { id: 'FileList' });
export const ArtifactList = pageOf(
  z.union([
    z.object({ path: z.string(), isDir: z.literal(true) }),
    z.object({ path: z.string(), isDir: z.literal(false), size: z.int(), sha256: z.string() }),
  ]),
  'ArtifactPage',
);
export const MetricsWritten = z.object({ written: z.int() }).register(schemaRegistry, { id: 'MetricsWritten' });

/** Response schemas by name, as routes refer to them (`responses[].schema`). */
export const responseSchemas = {
  Model: ModelSchema,
  ModelVersion: ModelVersionSchema,
  CreateVersionResponse,
  Alias: AliasSchema,
  FileUrl: FileUrlSchema,
  PartUrlsResponse,
  UploadedPartsResponse,
  Problem: ProblemSchema,
  Experiment: ExperimentSchema,
  Run: RunSchema,
  ModelSummaryPage: ModelPage,
  ModelVersionPage: VersionPage,
  HistoryPage,
  AliasMovePage: AliasHistoryPage,
  DropInPage,
  MetricPage,
  ExperimentPage,
  RunPage,
  FileList,
  MetricsWritten,
  ArtifactPage: ArtifactList,
} as const;

export type ResponseSchemaName = keyof typeof responseSchemas;
