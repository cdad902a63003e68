/** The OpenAPI 3.1 document, generated from the route table and its zod schemas (never written by hand). */
import * as z from 'zod/mini';
import { responseSchemas } from '../response-schemas.js';
import { schemaRegistry } from '../schemas.js';
import type { RouteDef } from './route-table.js';

type JsonSchema = Record<string, unknown>;
const COMPONENTS = '#/components/schemas/';

/** A schema with an id becomes a `$ref`; others are inlined, their named parts pointing into components. */
function schemaRef(schema: z.ZodMiniType): JsonSchema {
  const id = schemaRegistry.get(schema)?.id;
  if (id) return { $ref: `${COMPONENTS}${id}` };
  const {
    $schema: _ignored,
    $defs: _defs,
    ...rest
  } = z.toJSONSchema(schema, { unrepresentable: 'any', metadata: schemaRegistry }) as JsonSchema;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', `"${COMPONENTS}`)) as JsonSchema;
}

function componentSchemas(): Record<string, JsonSchema> {
  const out = z.toJSONSchema(schemaRegistry, {
    unrepresentable: 'any',
    metadata: schemaRegistry,
    uri: (id: string) => `${COMPONENTS}${id}`,
  });
  const schemas: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(out.schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema as JsonSchema;
    schemas[id] = rest;
  }
  return schemas;
}

/** Names every component a document reaches from its paths, following refs between components. */
function reachableComponents(paths: unknown, schemas: Record<string, JsonSchema>): Set<string> {
  const seen = new Set<string>();
  const pending = [JSON.stringify(paths)];
  for (let text = pending.pop(); text !== undefined; text = pending.pop())
    for (const [, id] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g))
      if (id && !seen.has(id) && schemas[id]) {
        seen.add(id);
        pending.push(JSON.stringify(schemas[id]));
      }
  return seen;
}

/**
 * The route table writes a greedy parameter as API Gateway does (`{path+}`); OpenAPI names it
 * plainly (`{path}`), its description saying that it takes the rest of the path.
 */
const openApiPath = (path: string): string => path.replace(/\{([A-Za-z]+)\+\}/g, '{$1}');

export function buildOpenApi(routes: RouteDef[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: JsonSchema[] = [];
    for (const match of route.path.matchAll(/\{([A-Za-z]+)(\+?)\}/g))
      parameters.push({
        name: match[1],
        in: 'path',
        required: true,
        ...(match[2] ? { description: 'the rest of the path: one or more segments, separated by `/`' } : {}),
        schema: { type: 'string' },
      });
    for (const q of route.query ?? [])
      parameters.push({
        name: q.name,
        in: 'query',
        required: false,
        description: q.description,
        schema: { type: 'string' },
      });
    for (const h of route.headers ?? [])
      parameters.push({
        name: h.name,
        in: 'header',
        required: false,
        description: h.description,
        schema: { type: 'string' },
      });
    const responses: Record<string, unknown> = {};
    for (const r of route.responses) {
      const mediaType = r.status >= 400 ? 'application/problem+json' : 'application/json';
      responses[String(r.status)] = r.schema
        ? { description: r.description, content: { [mediaType]: { schema: schemaRef(responseSchemas[r.schema]) } } }
        : { description: r.description };
    }
    if (route.scope !== null) {
      responses['401'] ??= { description: 'no valid credentials' };
      responses['403'] ??= { description: `lacks ${route.scope}` };
    }
    const operation: Record<string, unknown> = {
      operationId: route.id,
      summary: route.summary,
      tags: [route.tag],
      parameters,
      responses,
    };
    if (route.body)
      operation.requestBody = { required: true, content: { 'application/json': { schema: schemaRef(route.body()) } } };
    if (route.scope !== null) operation.security = [{ bearer: [route.scope] }];
    const path = openApiPath(route.path);
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[route.method.toLowerCase()] = operation;
  }
  const schemas = componentSchemas();
  // Schemas registered only to be spread into others (SignedRequest) are not components of this document.
  const used = reachableComponents(paths, schemas);
  return {
    openapi: '3.1.0',
    info: {
      title: 'mreg model registry',
      version: '1',
      description: 'A serverless model registry.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).filter(([id]) => used.has(id))),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
