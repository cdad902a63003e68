/**
 * Near-valid request bodies from the route table's zod schemas: the schema becomes JSON
 * Schema (zod's own `toJSONSchema`), each field gets plausible values (by its name or `$ref`
 * when a pattern cannot be generated), and then one mutation may break it (a hostile string,
 * a wrong type, a dropped or unknown field).
 */
import fc from 'fast-check';
import * as z from 'zod/mini';
import { HOSTILE_SEGMENTS } from './hostile-inputs.js';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

/** Valid-looking values by field name or schema id, for strings whose rule a regex generator would not meet. */
export interface FieldPools {
  [name: string]: readonly string[];
}

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

function stringArbitrary(name: string, schema: JsonSchema, pools: FieldPools): fc.Arbitrary<string> {
  const pool = pools[name];
  if (name === 'sha256' || name === 'Sha256') return hex64;
  if (pool && pool.length > 0) return fc.constantFrom(...pool);
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 256));
    } catch {
      return fc.string({ minLength: 1, maxLength: 16 });
    }
  }
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 24, 24) });
}

function arbitraryOf(
  schema: JsonSchema,
  defs: Record<string, JsonSchema>,
  pools: FieldPools,
  name: string,
  depth: number,
): fc.Arbitrary<unknown> {
  if (schema.$ref) {
    const id = schema.$ref.replace('#/$defs/', '');
    const target = defs[id] ?? {};
    return arbitraryOf(target, defs, pools, pools[id] ? id : name, depth);
  }
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => arbitraryOf(s, defs, pools, name, depth)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringArbitrary(name, schema, pools);
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1_000_000, -(2 ** 31)),
        max: Math.min(schema.maximum ?? 1_000_000, 2 ** 31),
      });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      if (depth > 4) return fc.constant([]);
      const items = arbitraryOf(schema.items ?? {}, defs, pools, name, depth + 1);
      return fc.array(items, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      if (schema.properties) {
        const required = new Set(schema.required ?? []);
        const shape: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [key, child] of Object.entries(schema.properties))
          shape[key] = arbitraryOf(child, defs, pools, key, depth + 1);
        return fc.record(shape, { requiredKeys: [...required] });
      }
      const keyArb = schema.propertyNames
        ? stringArbitrary(`${name}.key`, schema.propertyNames, pools)
        : fc.string({ maxLength: 8 });
      const valueSchema = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
      return fc.dictionary(keyArb, arbitraryOf(valueSchema, defs, pools, `${name}.value`, depth + 1), {
        maxKeys: 3,
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Plausible (mostly valid) bodies for a zod request schema. */
export function validishBody(schema: z.ZodMiniType, pools: FieldPools): fc.Arbitrary<unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const defs = json.$defs ?? {};
  return arbitraryOf(json, defs, pools, 'body', 0);
}

export type Mutation =
  | { kind: 'none' }
  | { kind: 'hostile'; pick: number; value: string }
  | { kind: 'replace'; pick: number; value: unknown }
  | { kind: 'drop'; pick: number }
  | { kind: 'unknownField'; name: string };

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('hostile' as const),
      pick: fc.nat(),
      value: fc.constantFrom(...HOSTILE_SEGMENTS),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      pick: fc.nat(),
      value: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom(-1, 0, 2 ** 53, -(2 ** 53), 1e308, 0.5, '', null, [], {}, true),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('unknownField' as const),
      name: fc.constantFrom('__proto__', 'constructor', 'state', 'etag', 'x'),
    }),
  },
);

type Path = Array<string | number>;

function leafPaths(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) for (const [i, v] of value.entries()) leafPaths(v, [...path, i], out);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) leafPaths(v, [...path, k], out);
  if (path.length > 0) out.push(path);
  return out;
}

function setAt(root: unknown, path: Path, value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  const copy: unknown = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (remove && Array.isArray(node)) node.splice(Number(last), 1);
  else if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

/** Applies a mutation; returns the body and the dotted field it hit (for the hostile-input tally). */
export function mutate(body: unknown, mutation: Mutation): { body: unknown; field?: string; hostile?: string } {
  if (mutation.kind === 'none') return { body };
  if (mutation.kind === 'unknownField') {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return { body };
    return { body: { ...(body as Record<string, unknown>), [mutation.name]: 1 } };
  }
  const paths = leafPaths(body);
  const path = paths[mutation.pick % Math.max(paths.length, 1)];
  if (!path) return { body: mutation.kind === 'drop' ? body : 'value' in mutation ? mutation.value : body };
  const field = path.filter((p) => typeof p === 'string').join('.');
  if (mutation.kind === 'drop') return { body: setAt(body, path, undefined, true), field };
  if (mutation.kind === 'hostile')
    return { body: setAt(body, path, mutation.value, false), field, hostile: mutation.value };
  return { body: setAt(body, path, mutation.value, false), field };
}
