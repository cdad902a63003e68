/**
 * Metric values in JSON. JSON has no NaN or ±Infinity (`JSON.stringify` writes `null`), so on
 * the wire and in JSON rows they are the strings protobuf's JSON mapping uses, as MLflow's do.
 */
export const NON_FINITE = ['NaN', 'Infinity', '-Infinity'] as const;
export type NonFiniteName = (typeof NON_FINITE)[number];
export type JsonMetricValue = number | NonFiniteName;

/** A value as JSON carries it. */
export const toJsonValue = (n: number): JsonMetricValue => (Number.isFinite(n) ? n : (String(n) as NonFiniteName));

/** The number a JSON value stands for; `null` is what an earlier version wrote for NaN. */
export const fromJsonValue = (v: JsonMetricValue | null): number =>
  typeof v === 'number' ? v : v === null ? Number.NaN : Number(v);
