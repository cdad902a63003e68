/**
 * The zod schemas: the one source for request validation and for the OpenAPI document.
 * Request schemas are strict (an unknown field is a 400).
 *
 * Written with `zod/mini` (classic zod's core and messages at half the bundle size). Mini sets
 * no locale, so English is configured here, before any schema can parse.
 */
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { aliasNameProblem, filePathProblem, labelProblem, modelNameProblem, tagKeyProblem } from './domain/names.js';

z.config(en());

const problemCheck = (problem: (value: string) => string | undefined) =>
  z.superRefine((value: string, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });

export const ModelName = z
  .string()
  .check(z.regex(/^[A-Za-z0-9._-]{1,128}$/), problemCheck(modelNameProblem))
  .register(z.globalRegistry, { id: 'ModelName', description: '1-128 of [A-Za-z0-9._-], not "." or ".."' });
export const AliasName = z
  .string()
  .check(problemCheck(aliasNameProblem))
  .register(z.globalRegistry, { id: 'AliasName' });
export const Label = z.string().check(z.regex(/^[A-Za-z0-9._+-]{1,128}$/), problemCheck(labelProblem));
export const FilePath = z.string().check(z.minLength(1), problemCheck(filePathProblem)).register(z.globalRegistry, {
  id: 'FilePath',
  description: 'Relative POSIX path, 1-1024 bytes, no "."/".." segments, no \\ % # ?',
});
export const Sha256 = z
  .string()
  .check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters'))
  .register(z.globalRegistry, { id: 'Sha256' });
export const Subject = z.string().check(z.minLength(1), z.maxLength(256));

/** 5 TiB: the largest object S3 stores; Azure block blobs stop a little below 200 TiB. */
export const MAX_FILE_BYTES = 5 * 1024 ** 4;
export const MAX_FILES_PER_VERSION = 1000;
export const MAX_TTL_SECONDS = 366 * 86400;

const TagKey = z.string().check(problemCheck(tagKeyProblem));
export const Tags = z
  .record(TagKey, z.string().check(z.maxLength(1024)))
  .check(z.refine((t) => Object.keys(t).length <= 64, { message: 'at most 64 tags' }));
export const Properties = z
  .record(z.string().check(z.maxLength(256)), z.unknown())
  .register(z.globalRegistry, { id: 'Properties' });
/** Merge-patch form of tags: `null` removes a key. */
const TagsPatch = z.record(TagKey, z.nullable(z.string().check(z.maxLength(1024))));
const PropertiesPatch = z.record(z.string().check(z.maxLength(256)), z.unknown());

export const ApprovalSchema = z.enum(['NONE', 'PENDING', 'APPROVED', 'REJECTED']);
export const RetentionSchema = z.enum(['archived', 'transient']);

export const CreateModelRequest = z
  .strictObject({
    name: ModelName,
    description: z.optional(z.string().check(z.maxLength(10_000))),
    tags: z.optional(Tags),
    properties: z.optional(Properties),
    maintainers: z.optional(z.array(Subject).check(z.maxLength(100))),
    protectedAliases: z.optional(z.array(AliasName).check(z.maxLength(100))),
    maxTransientVersions: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
  })
  .register(z.globalRegistry, { id: 'CreateModelRequest' });

export const PatchModelRequest = z
  .strictObject({
    description: z.optional(z.nullable(z.string().check(z.maxLength(10_000)))),
    tags: z.optional(z.nullable(TagsPatch)),
    properties: z.optional(z.nullable(PropertiesPatch)),
    maintainers: z.optional(z.nullable(z.array(Subject).check(z.maxLength(100)))),
    protectedAliases: z.optional(z.nullable(z.array(AliasName).check(z.maxLength(100)))),
    maxTransientVersions: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
  })
  .register(z.globalRegistry, { id: 'PatchModelRequest', description: 'JSON Merge Patch (RFC 7396)' });

export const DeclaredFile = z
  .strictObject({
    path: FilePath,
    size: z.int().check(z.minimum(0), z.maximum(MAX_FILE_BYTES)),
    sha256: Sha256,
    contentType: z.optional(
      z.string().check(z.maxLength(256), z.regex(/^[\x21-\x7e]+\/[\x20-\x7e]+$/, 'must be a media type')),
    ),
  })
  .register(z.globalRegistry, { id: 'DeclaredFile' });

export const CreateVersionRequest = z
  .strictObject({
    files: z.array(DeclaredFile).check(z.minLength(1), z.maxLength(MAX_FILES_PER_VERSION)),
    label: z.optional(Label),
    description: z.optional(z.string().check(z.maxLength(10_000))),
    runId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    format: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._+-]{1,64}$/))),
    signature: z.optional(z.record(z.string(), z.unknown())),
    tags: z.optional(Tags),
    properties: z.optional(Properties),
    retention: z.optional(RetentionSchema),
    ttlSeconds: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_TTL_SECONDS))),
  })
  .check(
    z.superRefine((body, ctx) => {
      const seen = new Set<string>();
      body.files.forEach((f, i) => {
        if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: 'duplicate path' });
        seen.add(f.path);
      });
      if (body.retention === 'transient' && body.ttlSeconds === undefined)
        ctx.addIssue({ code: 'custom', path: ['ttlSeconds'], message: 'required when retention is "transient"' });
      if (body.retention !== 'transient' && body.ttlSeconds !== undefined)
        ctx.addIssue({ code: 'custom', path: ['ttlSeconds'], message: 'only allowed with retention "transient"' });
    }),
  )
  .register(z.globalRegistry, { id: 'CreateVersionRequest' });

export const PatchVersionRequest = z
  .strictObject({
    description: z.optional(z.nullable(z.string().check(z.maxLength(10_000)))),
    tags: z.optional(z.nullable(TagsPatch)),
    properties: z.optional(z.nullable(PropertiesPatch)),
    approval: z.optional(ApprovalSchema),
  })
  .register(z.globalRegistry, { id: 'PatchVersionRequest', description: 'JSON Merge Patch (RFC 7396)' });

export const SetAliasRequest = z
  .strictObject({ version: z.int().check(z.minimum(1), z.maximum(999_999_999_999)) })
  .register(z.globalRegistry, { id: 'SetAliasRequest' });

export const PartUrlsRequest = z
  .strictObject({
    path: FilePath,
    partNumbers: z.array(z.int().check(z.minimum(1), z.maximum(10_000))).check(z.minLength(1), z.maxLength(1000)),
  })
  .register(z.globalRegistry, { id: 'PartUrlsRequest' });

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
    latestVersion: z.int(),
    aliases: z.record(z.string(), z.int()),
    protectedAliases: z.array(z.string()),
    maxTransientVersions: z.int(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    etag: z.string(),
  })
  .register(z.globalRegistry, { id: 'Model' });

export const VersionFileSchema = z
  .object({ path: z.string(), size: z.int(), sha256: z.string(), contentType: z.string() })
  .register(z.globalRegistry, { id: 'VersionFile' });

export const ModelVersionSchema = z
  .object({
    model: z.string(),
    version: z.int(),
    label: z.optional(z.string()),
    description: z.string(),
    state: z.enum(['PENDING', 'READY', 'FAILED', 'ARCHIVED']),
    approval: ApprovalSchema,
    files: z.array(VersionFileSchema),
    tags: z.record(z.string(), z.string()),
    properties: z.record(z.string(), z.unknown()),
    runId: z.optional(z.string()),
    format: z.optional(z.string()),
    signature: z.optional(z.record(z.string(), z.unknown())),
    retention: RetentionSchema,
    expiresAt: z.optional(z.string()),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    etag: z.string(),
    verification: z.optional(z.object({ status: z.enum(['RUNNING', 'FAILED', 'DONE']), reasons: z.array(z.string()) })),
  })
  .register(z.globalRegistry, { id: 'ModelVersion' });

export const SignedRequestSchema = z
  .object({
    method: z.enum(['PUT', 'GET']),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    expiresAt: z.string(),
  })
  .register(z.globalRegistry, { id: 'SignedRequest' });

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
  .register(z.globalRegistry, { id: 'UploadInstruction' });

export const CreateVersionResponse = z
  .object({ version: ModelVersionSchema, uploads: z.array(UploadInstructionSchema) })
  .register(z.globalRegistry, { id: 'CreateVersionResponse' });

export const AliasSchema = z
  .object({ alias: z.string(), version: z.int() })
  .register(z.globalRegistry, { id: 'Alias' });

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
  .register(z.globalRegistry, { id: 'HistoryEntry' });

export const AliasMoveSchema = z
  .object({
    id: z.string(),
    alias: z.string(),
    at: z.string(),
    actor: z.string(),
    from: z.nullable(z.int()),
    to: z.nullable(z.int()),
  })
  .register(z.globalRegistry, { id: 'AliasMove' });

export const FileUrlSchema = z
  .object({ url: z.string(), expiresAt: z.string(), size: z.int(), sha256: z.string() })
  .register(z.globalRegistry, { id: 'FileUrl' });

export const PartUrlsResponse = z
  .object({ parts: z.array(z.object({ partNumber: z.int(), ...SignedRequestSchema.shape })) })
  .register(z.globalRegistry, { id: 'PartUrlsResponse' });

export const pageOf = <T extends z.ZodMiniType>(item: T, id: string) =>
  z.object({ items: z.array(item), nextPageToken: z.nullable(z.string()) }).register(z.globalRegistry, { id });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.optional(z.string()),
    errors: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
  })
  .register(z.globalRegistry, { id: 'Problem' });

export type CreateModelInput = z.infer<typeof CreateModelRequest>;
export type PatchModelInput = z.infer<typeof PatchModelRequest>;
export type CreateVersionInput = z.infer<typeof CreateVersionRequest>;
export type PatchVersionInput = z.infer<typeof PatchVersionRequest>;

// ---- experiments, runs, metrics ----

const ParamValue = z.string().check(z.maxLength(6000));
const ParamKey = z.string().check(
  z.regex(/^[A-Za-z0-9._\-/ ]{1,250}$/, 'must be 1-250 of A-Z a-z 0-9 . _ - / and space'),
  z.refine((k) => !k.split('/').includes('..'), 'must not contain ".." segments'),
);

export const CreateExperimentRequest = z
  .strictObject({
    name: ModelName,
    description: z.optional(z.string().check(z.maxLength(10_000))),
    tags: z.optional(Tags),
  })
  .register(z.globalRegistry, { id: 'CreateExperimentRequest' });

export const CreateRunRequest = z
  .strictObject({
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    params: z.optional(z.record(ParamKey, ParamValue)),
    tags: z.optional(Tags),
  })
  .check(
    z.refine((r) => Object.keys(r.params ?? {}).length <= 1000, { message: 'at most 1000 params', path: ['params'] }),
  )
  .register(z.globalRegistry, { id: 'CreateRunRequest' });

export const PatchRunRequest = z
  .strictObject({
    status: z.optional(z.enum(['RUNNING', 'FINISHED', 'FAILED', 'KILLED'])),
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    tags: z.optional(z.nullable(TagsPatch)),
  })
  .register(z.globalRegistry, { id: 'PatchRunRequest' });

export const PutParamsRequest = z
  .record(ParamKey, ParamValue)
  .check(z.refine((p) => Object.keys(p).length <= 1000, { message: 'at most 1000 params' }))
  .register(z.globalRegistry, { id: 'PutParamsRequest' });

export const MAX_METRIC_POINTS = 1000;
export const MetricPoint = z
  .strictObject({
    key: ParamKey,
    value: z.number(),
    step: z.optional(z.int().check(z.minimum(-(10 ** 14)), z.maximum(10 ** 15))),
    timestamp: z.optional(z.int().check(z.minimum(0), z.maximum(10 ** 14))),
  })
  .register(z.globalRegistry, { id: 'MetricPoint' });
export const LogMetricsRequest = z
  .strictObject({ metrics: z.array(MetricPoint).check(z.minLength(1)) })
  .register(z.globalRegistry, { id: 'LogMetricsRequest' });

export const ExperimentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    tags: z.record(z.string(), z.string()),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .register(z.globalRegistry, { id: 'Experiment' });

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
    latestMetrics: z.record(z.string(), z.number()),
    modelVersions: z.array(z.object({ model: z.string(), version: z.int() })),
    createdBy: z.string(),
  })
  .register(z.globalRegistry, { id: 'Run' });

export const MetricPointSchema = z
  .object({ value: z.number(), step: z.int(), timestamp: z.int() })
  .register(z.globalRegistry, { id: 'MetricValue' });

export type CreateExperimentInput = z.infer<typeof CreateExperimentRequest>;
export type CreateRunInput = z.infer<typeof CreateRunRequest>;
export type PatchRunInput = z.infer<typeof PatchRunRequest>;
export type LogMetricsInput = z.infer<typeof LogMetricsRequest>;

export const ModelPage = pageOf(
  z.pick(ModelSchema, {
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
export const FileList = z.object({ items: z.array(VersionFileSchema) }).register(z.globalRegistry, { id: 'FileList' });
export const MetricsWritten = z.object({ written: z.int() }).register(z.globalRegistry, { id: 'MetricsWritten' });
