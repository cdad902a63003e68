/**
 * The zod schemas: the one source for request validation and for the OpenAPI document.
 * Request schemas are strict (an unknown field is a 400).
 */
import * as z from 'zod';
import { aliasNameProblem, filePathProblem, labelProblem, modelNameProblem, tagKeyProblem } from './domain/names.js';

const check = (problem: (value: string) => string | undefined) => (value: string, ctx: z.core.$RefinementCtx) => {
  const message = problem(value);
  if (message) ctx.addIssue({ code: 'custom', message });
};

export const ModelName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/)
  .superRefine(check(modelNameProblem))
  .meta({ id: 'ModelName', description: '1-128 of [A-Za-z0-9._-], not "." or ".."' });
export const AliasName = z.string().superRefine(check(aliasNameProblem)).meta({ id: 'AliasName' });
export const Label = z
  .string()
  .regex(/^[A-Za-z0-9._+-]{1,128}$/)
  .superRefine(check(labelProblem));
export const FilePath = z
  .string()
  .min(1)
  .superRefine(check(filePathProblem))
  .meta({ id: 'FilePath', description: 'Relative POSIX path, 1-1024 bytes, no "."/".." segments, no \\ % # ?' });
export const Sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters')
  .meta({ id: 'Sha256' });
export const Subject = z.string().min(1).max(256);

/** 5 TiB: the largest object S3 stores; Azure block blobs stop a little below 200 TiB. */
export const MAX_FILE_BYTES = 5 * 1024 ** 4;
export const MAX_FILES_PER_VERSION = 1000;
export const MAX_TTL_SECONDS = 366 * 86400;

const TagKey = z.string().superRefine(check(tagKeyProblem));
export const Tags = z.record(TagKey, z.string().max(1024)).refine((t) => Object.keys(t).length <= 64, {
  message: 'at most 64 tags',
});
export const Properties = z.record(z.string().max(256), z.unknown()).meta({ id: 'Properties' });
/** Merge-patch form of tags: `null` removes a key. */
const TagsPatch = z.record(TagKey, z.string().max(1024).nullable());
const PropertiesPatch = z.record(z.string().max(256), z.unknown());

export const ApprovalSchema = z.enum(['NONE', 'PENDING', 'APPROVED', 'REJECTED']);
export const RetentionSchema = z.enum(['archived', 'transient']);

export const CreateModelRequest = z
  .strictObject({
    name: ModelName,
    description: z.string().max(10_000).optional(),
    tags: Tags.optional(),
    properties: Properties.optional(),
    maintainers: z.array(Subject).max(100).optional(),
    protectedAliases: z.array(AliasName).max(100).optional(),
    maxTransientVersions: z.number().int().min(1).max(1000).optional(),
  })
  .meta({ id: 'CreateModelRequest' });

export const PatchModelRequest = z
  .strictObject({
    description: z.string().max(10_000).nullable().optional(),
    tags: TagsPatch.nullable().optional(),
    properties: PropertiesPatch.nullable().optional(),
    maintainers: z.array(Subject).max(100).nullable().optional(),
    protectedAliases: z.array(AliasName).max(100).nullable().optional(),
    maxTransientVersions: z.number().int().min(1).max(1000).optional(),
  })
  .meta({ id: 'PatchModelRequest', description: 'JSON Merge Patch (RFC 7396)' });

export const DeclaredFile = z
  .strictObject({
    path: FilePath,
    size: z.number().int().min(0).max(MAX_FILE_BYTES),
    sha256: Sha256,
    contentType: z
      .string()
      .max(256)
      .regex(/^[\x21-\x7e]+\/[\x20-\x7e]+$/, 'must be a media type')
      .optional(),
  })
  .meta({ id: 'DeclaredFile' });

export const CreateVersionRequest = z
  .strictObject({
    files: z.array(DeclaredFile).min(1).max(MAX_FILES_PER_VERSION),
    label: Label.optional(),
    description: z.string().max(10_000).optional(),
    runId: z.string().min(1).max(64).optional(),
    format: z
      .string()
      .regex(/^[A-Za-z0-9._+-]{1,64}$/)
      .optional(),
    signature: z.record(z.string(), z.unknown()).optional(),
    tags: Tags.optional(),
    properties: Properties.optional(),
    retention: RetentionSchema.optional(),
    ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.files.forEach((f, i) => {
      if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: 'duplicate path' });
      seen.add(f.path);
    });
    if (body.retention === 'transient' && body.ttlSeconds === undefined)
      ctx.addIssue({ code: 'custom', path: ['ttlSeconds'], message: 'required when retention is "transient"' });
    if (body.retention !== 'transient' && body.ttlSeconds !== undefined)
      ctx.addIssue({ code: 'custom', path: ['ttlSeconds'], message: 'only allowed with retention "transient"' });
  })
  .meta({ id: 'CreateVersionRequest' });

export const PatchVersionRequest = z
  .strictObject({
    description: z.string().max(10_000).nullable().optional(),
    tags: TagsPatch.nullable().optional(),
    properties: PropertiesPatch.nullable().optional(),
    approval: ApprovalSchema.optional(),
  })
  .meta({ id: 'PatchVersionRequest', description: 'JSON Merge Patch (RFC 7396)' });

export const SetAliasRequest = z
  .strictObject({ version: z.number().int().min(1).max(999_999_999_999) })
  .meta({ id: 'SetAliasRequest' });

export const PartUrlsRequest = z
  .strictObject({
    path: FilePath,
    partNumbers: z.array(z.number().int().min(1).max(10_000)).min(1).max(1000),
  })
  .meta({ id: 'PartUrlsRequest' });

// ---- responses (documented in OpenAPI; the service builds these shapes) ----

export const ModelSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    owner: z.string(),
    maintainers: z.array(z.string()),
    tags: z.record(z.string(), z.string()),
    properties: z.record(z.string(), z.unknown()),
    state: z.enum(['LIVE', 'ARCHIVED']),
    latestVersion: z.number().int(),
    aliases: z.record(z.string(), z.number().int()),
    protectedAliases: z.array(z.string()),
    maxTransientVersions: z.number().int(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    etag: z.string(),
  })
  .meta({ id: 'Model' });

export const VersionFileSchema = z
  .object({ path: z.string(), size: z.number().int(), sha256: z.string(), contentType: z.string() })
  .meta({ id: 'VersionFile' });

export const ModelVersionSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    label: z.string().optional(),
    description: z.string(),
    state: z.enum(['PENDING', 'READY', 'FAILED', 'ARCHIVED']),
    approval: ApprovalSchema,
    files: z.array(VersionFileSchema),
    tags: z.record(z.string(), z.string()),
    properties: z.record(z.string(), z.unknown()),
    runId: z.string().optional(),
    format: z.string().optional(),
    signature: z.record(z.string(), z.unknown()).optional(),
    retention: RetentionSchema,
    expiresAt: z.string().optional(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    etag: z.string(),
    verification: z.object({ status: z.enum(['RUNNING', 'FAILED', 'DONE']), reasons: z.array(z.string()) }).optional(),
  })
  .meta({ id: 'ModelVersion' });

export const SignedRequestSchema = z
  .object({
    method: z.enum(['PUT', 'GET']),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  })
  .meta({ id: 'SignedRequest' });

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
      multipart: z.object({ uploadId: z.string(), partSize: z.number().int(), partCount: z.number().int() }),
    }),
  ])
  .meta({ id: 'UploadInstruction' });

export const CreateVersionResponse = z
  .object({ version: ModelVersionSchema, uploads: z.array(UploadInstructionSchema) })
  .meta({ id: 'CreateVersionResponse' });

export const AliasSchema = z.object({ alias: z.string(), version: z.number().int() }).meta({ id: 'Alias' });

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
  .meta({ id: 'HistoryEntry' });

export const AliasMoveSchema = z
  .object({
    id: z.string(),
    alias: z.string(),
    at: z.string(),
    actor: z.string(),
    from: z.number().int().nullable(),
    to: z.number().int().nullable(),
  })
  .meta({ id: 'AliasMove' });

export const FileUrlSchema = z
  .object({ url: z.string(), expiresAt: z.string(), size: z.number().int(), sha256: z.string() })
  .meta({ id: 'FileUrl' });

export const PartUrlsResponse = z
  .object({ parts: z.array(z.object({ partNumber: z.number().int(), ...SignedRequestSchema.shape })) })
  .meta({ id: 'PartUrlsResponse' });

export const pageOf = <T extends z.ZodType>(item: T, id: string) =>
  z.object({ items: z.array(item), nextPageToken: z.string().nullable() }).meta({ id });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

export type CreateModelInput = z.infer<typeof CreateModelRequest>;
export type PatchModelInput = z.infer<typeof PatchModelRequest>;
export type CreateVersionInput = z.infer<typeof CreateVersionRequest>;
export type PatchVersionInput = z.infer<typeof PatchVersionRequest>;

// ---- experiments, runs, metrics ----

const ParamValue = z.string().max(6000);
const ParamKey = z
  .string()
  .regex(/^[A-Za-z0-9._\-/ ]{1,250}$/, 'must be 1-250 of A-Z a-z 0-9 . _ - / and space')
  .refine((k) => !k.split('/').includes('..'), 'must not contain ".." segments');

export const CreateExperimentRequest = z
  .strictObject({ name: ModelName, description: z.string().max(10_000).optional(), tags: Tags.optional() })
  .meta({ id: 'CreateExperimentRequest' });

export const CreateRunRequest = z
  .strictObject({
    name: z.string().min(1).max(256).optional(),
    params: z.record(ParamKey, ParamValue).optional(),
    tags: Tags.optional(),
  })
  .refine((r) => Object.keys(r.params ?? {}).length <= 1000, { message: 'at most 1000 params', path: ['params'] })
  .meta({ id: 'CreateRunRequest' });

export const PatchRunRequest = z
  .strictObject({
    status: z.enum(['RUNNING', 'FINISHED', 'FAILED', 'KILLED']).optional(),
    name: z.string().min(1).max(256).optional(),
    tags: TagsPatch.nullable().optional(),
  })
  .meta({ id: 'PatchRunRequest' });

export const PutParamsRequest = z
  .record(ParamKey, ParamValue)
  .refine((p) => Object.keys(p).length <= 1000, { message: 'at most 1000 params' })
  .meta({ id: 'PutParamsRequest' });

export const MAX_METRIC_POINTS = 1000;
export const MetricPoint = z
  .strictObject({
    key: ParamKey,
    value: z.number(),
    step: z
      .number()
      .int()
      .min(-(10 ** 14))
      .max(10 ** 15)
      .optional(),
    timestamp: z
      .number()
      .int()
      .min(0)
      .max(10 ** 14)
      .optional(),
  })
  .meta({ id: 'MetricPoint' });
export const LogMetricsRequest = z
  .strictObject({ metrics: z.array(MetricPoint).min(1) })
  .meta({ id: 'LogMetricsRequest' });

export const ExperimentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    tags: z.record(z.string(), z.string()),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .meta({ id: 'Experiment' });

export const RunSchema = z
  .object({
    id: z.string(),
    experimentId: z.string(),
    name: z.string(),
    status: z.enum(['RUNNING', 'FINISHED', 'FAILED', 'KILLED']),
    params: z.record(z.string(), z.string()),
    tags: z.record(z.string(), z.string()),
    startTime: z.string(),
    endTime: z.string().nullable(),
    latestMetrics: z.record(z.string(), z.number()),
    modelVersions: z.array(z.object({ model: z.string(), version: z.number().int() })),
    createdBy: z.string(),
  })
  .meta({ id: 'Run' });

export const MetricPointSchema = z
  .object({ value: z.number(), step: z.number().int(), timestamp: z.number().int() })
  .meta({ id: 'MetricValue' });

export type CreateExperimentInput = z.infer<typeof CreateExperimentRequest>;
export type CreateRunInput = z.infer<typeof CreateRunRequest>;
export type PatchRunInput = z.infer<typeof PatchRunRequest>;
export type LogMetricsInput = z.infer<typeof LogMetricsRequest>;

export const ModelPage = pageOf(
  ModelSchema.pick({
    name: true,
    description: true,
    owner: true,
    tags: true,
    state: true,
    createdAt: true,
    updatedAt: true,
    etag: true,
  }),
  'ModelSummaryPage',
);
export const VersionPage = pageOf(ModelVersionSchema, 'ModelVersionPage');
export const HistoryPage = pageOf(HistoryEntrySchema, 'HistoryPage');
export const AliasHistoryPage = pageOf(AliasMoveSchema, 'AliasMovePage');
export const MetricPage = pageOf(MetricPointSchema, 'MetricPage');
export const ExperimentPage = pageOf(ExperimentSchema, 'ExperimentPage');
export const RunPage = pageOf(RunSchema, 'RunPage');
export const FileList = z.object({ items: z.array(VersionFileSchema) }).meta({ id: 'FileList' });
export const MetricsWritten = z.object({ written: z.number().int() }).meta({ id: 'MetricsWritten' });
