/** JSON Merge Patch (RFC 7396) for the maps a PATCH may change. */
export function mergePatch<T extends Record<string, unknown>>(
  target: T,
  patch: Record<string, unknown> | null | undefined,
): T {
  if (patch === undefined) return target;
  if (patch === null) return {} as T;
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key]))
      out[key] = mergePatch(out[key] as Record<string, unknown>, value);
    else out[key] = value;
  }
  return out as T;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
