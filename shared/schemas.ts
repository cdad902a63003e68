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

export type CreateExperimentInput = z.infer<typeof CreateExperimentRequest>;
export type CreateRunInput = z.infer<typeof CreateRunRequest>;
export type PatchRunInput = z.infer<typeof PatchRunRequest>;
export type LogMetricsInput = z.infer<typeof LogMetricsRequest>;
