/**
 * The zod schemas: the one source for request validation and for the OpenAPI document.
 * Request schemas are strict (an unknown field is a 400).
 *
 * Written with `zod/mini` (classic zod's core and messages at half the bundle size). Mini sets
 * no locale, so English is configured here, before any schema can parse.
 *
 * Every schema is built on first use and then kept (`lazySchema`): a cold start (a Lambda
 * init, most of all) builds only the schemas its request needs, not all of them.
 */
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { NON_FINITE } from './domain/metric-values.js';
import {
  aliasNameProblem,
  experimentNameProblem,
  filePathProblem,
  labelProblem,
  modelNameProblem,
  tagKeyProblem,
} from './domain/names.js';

z.config(en());

/**
 * The ids and descriptions of named schemas, for the OpenAPI document. Ours, not zod's global
 * registry: that one is shared by every copy of zod in a process (bundles loaded side by side
 * in tests), and their same-named schemas would collide there.
 */
export const schemaRegistry = z.registry<{ id: string; description?: string }>();

/** A schema built on its first call, then the same object on every call. */
export type LazySchema<S extends z.ZodMiniType = z.ZodMiniType> = () => S;

/** Every lazy schema, in declaration order: `buildAllSchemas` registers ids in that order. */
const declared: LazySchema[] = [];

export function lazySchema<S extends z.ZodMiniType>(build: () => S): LazySchema<S> {
  let schema: S | undefined;
  const get = () => {
    schema ??= build();
    return schema;
  };
  declared.push(get);
  return get;
}

/** Builds every schema, so the global registry holds all ids (the OpenAPI document needs them). */
export function buildAllSchemas(): void {
  for (const get of declared) get();
}

const problemCheck = (problem: (value: string) => string | undefined) =>
  z.superRefine((value: string, ctx) => {
    const message = problem(value);
    if (message) ctx.addIssue({ code: 'custom', message });
  });

export const ModelName = lazySchema(() =>
  z
    .string()
    .check(z.regex(/^[A-Za-z0-9._-]{1,128}$/), problemCheck(modelNameProblem))
    .register(schemaRegistry, { id: 'ModelName', description: '1-128 of [A-Za-z0-9._-], not "." or ".."' }),
);
export const AliasName = lazySchema(() =>
  z.string().check(problemCheck(aliasNameProblem)).register(schemaRegistry, { id: 'AliasName' }),
);
export const Label = lazySchema(() =>
  z.string().check(z.regex(/^[A-Za-z0-9._+-]{1,128}$/), problemCheck(labelProblem)),
);
export const FilePath = lazySchema(() =>
  z.string().check(z.minLength(1), problemCheck(filePathProblem)).register(schemaRegistry, {
    id: 'FilePath',
    description: 'Relative POSIX path, 1-1024 bytes, no "."/".." segments, no \\ % # ?',
  }),
);
export const Sha256 = lazySchema(() =>
  z
    .string()
    .check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters'))
    .register(schemaRegistry, { id: 'Sha256' }),
);
export const Subject = lazySchema(() => z.string().check(z.minLength(1), z.maxLength(256)));

/** 5 TiB: the largest object S3 stores; Azure block blobs stop a little below 200 TiB. */
export const MAX_FILE_BYTES = 5 * 1024 ** 4;
export const MAX_FILES_PER_VERSION = 1000;
export const MAX_TTL_SECONDS = 366 * 86400;

/** How deep free-form JSON (properties, signatures) may nest: deeper is 400, not a stack overflow later. */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests arrays or objects more than `limit` deep; iterative, and stops as soon as it knows. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/** A record of free-form JSON values, each nested at most MAX_JSON_DEPTH deep (the failing key is named). */
const freeFormRecord = () =>
  z.record(z.string().check(z.maxLength(256)), z.unknown()).check(
    z.superRefine((record, ctx) => {
      for (const [key, value] of Object.entries(record))
        if (nestsDeeperThan(value, MAX_JSON_DEPTH))
          ctx.addIssue({ code: 'custom', path: [key], message: `nested more than ${MAX_JSON_DEPTH} levels deep` });
    }),
  );

/** Tag keys up to 250 and values up to 5,000 characters (MLflow's own limits are close to these). */
export const MAX_TAG_VALUE = 5000;
const TagKey = lazySchema(() => z.string().check(problemCheck(tagKeyProblem)));
export const Tags = lazySchema(() =>
  z
    .record(TagKey(), z.string().check(z.maxLength(MAX_TAG_VALUE)))
    .check(z.refine((t) => Object.keys(t).length <= 64, { message: 'at most 64 tags' })),
);
export const Properties = lazySchema(() => freeFormRecord().register(schemaRegistry, { id: 'Properties' }));
/** Merge-patch form of tags: `null` removes a key. */
const TagsPatch = lazySchema(() => z.record(TagKey(), z.nullable(z.string().check(z.maxLength(MAX_TAG_VALUE)))));
const PropertiesPatch = lazySchema(() => freeFormRecord());

export const ApprovalSchema = lazySchema(() => z.enum(['NONE', 'PENDING', 'APPROVED', 'REJECTED']));
export const RetentionSchema = lazySchema(() => z.enum(['archived', 'transient']));

export const CreateModelRequest = lazySchema(() =>
  z
    .strictObject({
      name: ModelName(),
      description: z.optional(z.string().check(z.maxLength(10_000))),
      tags: z.optional(Tags()),
      properties: z.optional(Properties()),
      maintainers: z.optional(z.array(Subject()).check(z.maxLength(100))),
      dropInPrincipals: z.optional(z.array(Subject()).check(z.maxLength(100))),
      protectedAliases: z.optional(z.array(AliasName()).check(z.maxLength(100))),
      maxTransientVersions: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
    })
    .register(schemaRegistry, { id: 'CreateModelRequest' }),
);

export const PatchModelRequest = lazySchema(() =>
  z
    .strictObject({
      description: z.optional(z.nullable(z.string().check(z.maxLength(10_000)))),
      tags: z.optional(z.nullable(TagsPatch())),
      properties: z.optional(z.nullable(PropertiesPatch())),
      maintainers: z.optional(z.nullable(z.array(Subject()).check(z.maxLength(100)))),
      dropInPrincipals: z.optional(z.nullable(z.array(Subject()).check(z.maxLength(100)))),
      protectedAliases: z.optional(z.nullable(z.array(AliasName()).check(z.maxLength(100)))),
      maxTransientVersions: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
    })
    .register(schemaRegistry, { id: 'PatchModelRequest', description: 'JSON Merge Patch (RFC 7396)' }),
);

export const DeclaredFile = lazySchema(() =>
  z
    .strictObject({
      path: FilePath(),
      size: z.int().check(z.minimum(0), z.maximum(MAX_FILE_BYTES)),
      sha256: Sha256(),
      contentType: z.optional(
        z.string().check(z.maxLength(256), z.regex(/^[\x21-\x7e]+\/[\x20-\x7e]+$/, 'must be a media type')),
      ),
    })
    .register(schemaRegistry, { id: 'DeclaredFile' }),
);

export const CreateVersionRequest = lazySchema(() =>
  z
    .strictObject({
      files: z.optional(z.array(DeclaredFile()).check(z.minLength(1), z.maxLength(MAX_FILES_PER_VERSION))),
      /** Instead of files: bytes the registry holds (`runs:/`, `models:/<logged model>`, `mlflow-artifacts:/`), or a reference URI. */
      source: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
      label: z.optional(Label()),
      description: z.optional(z.string().check(z.maxLength(10_000))),
      runId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
      format: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._+-]{1,64}$/))),
      signature: z.optional(freeFormRecord()),
      tags: z.optional(Tags()),
      properties: z.optional(Properties()),
      retention: z.optional(RetentionSchema()),
      ttlSeconds: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_TTL_SECONDS))),
      // A client's part size: files larger than this go up in parts of this size (the store's limits apply).
      partSize: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_FILE_BYTES))),
    })
    .check(
      z.superRefine((body, ctx) => {
        if ((body.files === undefined) === (body.source === undefined))
          ctx.addIssue({ code: 'custom', path: ['files'], message: 'give either files or source' });
        const seen = new Set<string>();
        (body.files ?? []).forEach((f, i) => {
          if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: 'duplicate path' });
          seen.add(f.path);
        });
        if (body.retention === 'transient' && body.ttlSeconds === undefined)
          ctx.addIssue({ code: 'custom', path: ['ttlSeconds'], message: 'required when retention is "transient"' });
        if (body.retention !== 'transient' && body.ttlSeconds !== undefined)
          ctx.addIssue({ code: 'custom', path: ['ttlSeconds'], message: 'only allowed with retention "transient"' });
      }),
    )
    .register(schemaRegistry, { id: 'CreateVersionRequest' }),
);

export const PatchVersionRequest = lazySchema(() =>
  z
    .strictObject({
      description: z.optional(z.nullable(z.string().check(z.maxLength(10_000)))),
      tags: z.optional(z.nullable(TagsPatch())),
      properties: z.optional(z.nullable(PropertiesPatch())),
      approval: z.optional(ApprovalSchema()),
    })
    .register(schemaRegistry, { id: 'PatchVersionRequest', description: 'JSON Merge Patch (RFC 7396)' }),
);

export const SetAliasRequest = lazySchema(() =>
  z
    .strictObject({ version: z.int().check(z.minimum(1), z.maximum(999_999_999_999)) })
    .register(schemaRegistry, { id: 'SetAliasRequest' }),
);

export const PartUrlsRequest = lazySchema(() =>
  z
    .strictObject({
      path: FilePath(),
      partNumbers: z.array(z.int().check(z.minimum(1), z.maximum(10_000))).check(z.minLength(1), z.maxLength(1000)),
    })
    .register(schemaRegistry, { id: 'PartUrlsRequest' }),
);

export type CreateModelInput = z.infer<ReturnType<typeof CreateModelRequest>>;
export type PatchModelInput = z.infer<ReturnType<typeof PatchModelRequest>>;
export type CreateVersionInput = z.infer<ReturnType<typeof CreateVersionRequest>>;
export type PatchVersionInput = z.infer<ReturnType<typeof PatchVersionRequest>>;

// ---- experiments, runs, metrics ----

const ParamValue = lazySchema(() => z.string().check(z.maxLength(6000)));
const ParamKey = lazySchema(() =>
  z.string().check(
    z.regex(/^[A-Za-z0-9._\-/ ]{1,250}$/, 'must be 1-250 of A-Z a-z 0-9 . _ - / and space'),
    z.refine((k) => !k.split('/').includes('..'), 'must not contain ".." segments'),
  ),
);

export const ExperimentName = lazySchema(() =>
  z.string().check(problemCheck(experimentNameProblem)).register(schemaRegistry, { id: 'ExperimentName' }),
);

export const CreateExperimentRequest = lazySchema(() =>
  z
    .strictObject({
      name: ExperimentName(),
      description: z.optional(z.string().check(z.maxLength(10_000))),
      tags: z.optional(Tags()),
    })
    .register(schemaRegistry, { id: 'CreateExperimentRequest' }),
);

export const PatchExperimentRequest = lazySchema(() =>
  z
    .strictObject({
      name: z.optional(ExperimentName()),
      description: z.optional(z.nullable(z.string().check(z.maxLength(10_000)))),
      tags: z.optional(z.nullable(TagsPatch())),
    })
    .register(schemaRegistry, { id: 'PatchExperimentRequest', description: 'JSON Merge Patch (RFC 7396)' }),
);

/** A time the client reports for a run (MLflow's clients send their own start and end): ISO 8601, 1970 on. */
const ReportedTime = lazySchema(() =>
  z.iso
    .datetime({ offset: true, abort: true, error: 'must be an ISO 8601 date and time, e.g. 2024-05-01T12:00:00Z' })
    .check(z.refine((t) => Date.parse(t) >= 0, { message: 'must be 1970-01-01 or later' })),
);

export const CreateRunRequest = lazySchema(() =>
  z
    .strictObject({
      name: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
      /** Default: when the registry creates the run. */
      startTime: z.optional(ReportedTime()),
      params: z.optional(z.record(ParamKey(), ParamValue())),
      tags: z.optional(Tags()),
    })
    .check(
      z.refine((r) => Object.keys(r.params ?? {}).length <= 1000, { message: 'at most 1000 params', path: ['params'] }),
    )
    .register(schemaRegistry, { id: 'CreateRunRequest' }),
);

export const PatchRunRequest = lazySchema(() =>
  z
    .strictObject({
      status: z.optional(z.enum(['RUNNING', 'FINISHED', 'FAILED', 'KILLED'])),
      /** A finished run's end; default: when the status changes to a finished one. */
      endTime: z.optional(ReportedTime()),
      name: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
      tags: z.optional(z.nullable(TagsPatch())),
    })
    .register(schemaRegistry, { id: 'PatchRunRequest' }),
);

export const PutParamsRequest = lazySchema(() =>
  z
    .record(ParamKey(), ParamValue())
    .check(z.refine((p) => Object.keys(p).length <= 1000, { message: 'at most 1000 params' }))
    .register(schemaRegistry, { id: 'PutParamsRequest' }),
);

export const MAX_METRIC_POINTS = 1000;
/** Bounds of a metric point's step and timestamp (ms); the series' positions and packing rely on them. */
export const METRIC_STEP = { min: -(10 ** 14), max: 10 ** 15 };
export const METRIC_TIMESTAMP = { min: 0, max: 10 ** 14 };
/** A metric's key: the rule of param keys. */
export const MetricKey = ParamKey;
/** Whether `n` is an integer within `range`: a point's step or timestamp. */
export const isIntWithin = (n: unknown, range: { min: number; max: number }): n is number =>
  Number.isSafeInteger(n) && (n as number) >= range.min && (n as number) <= range.max;
/** A metric value: a number, or NaN and ±Infinity by name (JSON has no such numbers). */
export const metricValueSchema = () => z.union([z.number(), z.enum(NON_FINITE)]);
export const MetricPoint = lazySchema(() =>
  z
    .strictObject({
      key: MetricKey(),
      value: metricValueSchema(),
      step: z.optional(z.int().check(z.minimum(METRIC_STEP.min), z.maximum(METRIC_STEP.max))),
      timestamp: z.optional(z.int().check(z.minimum(METRIC_TIMESTAMP.min), z.maximum(METRIC_TIMESTAMP.max))),
    })
    .register(schemaRegistry, {
      id: 'MetricPoint',
      description: 'value: a number, or "NaN", "Infinity", "-Infinity" (JSON has no such numbers)',
    }),
);
export const LogMetricsRequest = lazySchema(() =>
  z
    .strictObject({ metrics: z.array(MetricPoint()).check(z.minLength(1)) })
    .register(schemaRegistry, { id: 'LogMetricsRequest' }),
);

/**
 * A run's inputs and outputs (MLflow's dataset and model inputs, model outputs). Sizes keep one
 * dataset row well under DynamoDB's 400 KB item; MLflow's own limits are name 500, digest 36.
 */
export const MAX_RUN_IO_PER_REQUEST = 100;
const Text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const ModelRef = lazySchema(() => Text(1, 256));
export const DatasetInputSchema = lazySchema(() =>
  z
    .strictObject({
      name: Text(1, 500),
      digest: Text(1, 64),
      sourceType: Text(1, 64),
      source: Text(0, 16_000),
      schema: z.optional(Text(0, 64_000)),
      profile: z.optional(Text(0, 16_000)),
      tags: z.optional(
        z
          .record(Text(1, 255), Text(0, 500))
          .check(z.refine((t) => Object.keys(t).length <= 20, { message: 'at most 20 tags' })),
      ),
    })
    .register(schemaRegistry, { id: 'DatasetInput' }),
);
export const LogRunInputsRequest = lazySchema(() =>
  z
    .strictObject({
      datasets: z.optional(z.array(DatasetInputSchema()).check(z.maxLength(MAX_RUN_IO_PER_REQUEST))),
      models: z.optional(z.array(z.strictObject({ modelId: ModelRef() })).check(z.maxLength(MAX_RUN_IO_PER_REQUEST))),
    })
    .register(schemaRegistry, { id: 'LogRunInputsRequest' }),
);
export const LogRunOutputsRequest = lazySchema(() =>
  z
    .strictObject({
      models: z
        .array(
          z.strictObject({ modelId: ModelRef(), step: z.int().check(z.minimum(-(10 ** 14)), z.maximum(10 ** 15)) }),
        )
        .check(z.maxLength(MAX_RUN_IO_PER_REQUEST)),
    })
    .register(schemaRegistry, { id: 'LogRunOutputsRequest' }),
);

export type LogRunInputsInput = z.infer<ReturnType<typeof LogRunInputsRequest>>;
export type LogRunOutputsInput = z.infer<ReturnType<typeof LogRunOutputsRequest>>;
export type DatasetInput = z.infer<ReturnType<typeof DatasetInputSchema>>;
export type CreateExperimentInput = z.infer<ReturnType<typeof CreateExperimentRequest>>;
export type PatchExperimentInput = z.infer<ReturnType<typeof PatchExperimentRequest>>;
export type CreateRunInput = z.infer<ReturnType<typeof CreateRunRequest>>;
export type PatchRunInput = z.infer<ReturnType<typeof PatchRunRequest>>;
export type LogMetricsInput = z.infer<ReturnType<typeof LogMetricsRequest>>;
