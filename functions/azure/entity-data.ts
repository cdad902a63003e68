/**
 * An item's data as Table entity properties. A string property holds at most 64 KiB (32 Ki
 * UTF-16 units) and an entity at most 1 MiB, so the JSON is cut into chunks `d0`, `d1`, ...
 * (never between the halves of a surrogate pair) and joined again on read.
 */
import { RegistryError } from '../../shared/errors.js';
import type { ItemData } from '../../shared/ports/metadata-store.js';

/** UTF-16 units per chunk: under the 32,768 a 64 KiB string property allows. */
export const CHUNK_UNITS = 30_000;
/** Chunks per entity: 16 x 60 KB stays under the 1 MiB entity limit with the keys and system properties. */
export const MAX_CHUNKS = 16;

const chunkName = (i: number) => `d${i}`;

export type EntityProperties = Record<string, string>;

export function dataToProperties(data: ItemData): EntityProperties {
  const json = JSON.stringify(data);
  const properties: EntityProperties = {};
  let chunk = 0;
  for (let start = 0; start < json.length || chunk === 0; chunk++) {
    let end = Math.min(start + CHUNK_UNITS, json.length);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end--; // keep a surrogate pair together
    properties[chunkName(chunk)] = json.slice(start, end);
    start = end;
  }
  if (chunk > MAX_CHUNKS)
    throw new RegistryError(
      'payload-too-large',
      `an item of ${json.length} characters exceeds what one table entity holds (${MAX_CHUNKS * CHUNK_UNITS})`,
    );
  return properties;
}

export function dataFromProperties(entity: Record<string, unknown>): ItemData {
  let json = '';
  for (let i = 0; ; i++) {
    const part = entity[chunkName(i)];
    if (typeof part !== 'string') break;
    json += part;
  }
  const value: unknown = JSON.parse(json === '' ? '{}' : json);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('a table entity holds data that is not a JSON object');
  return value as ItemData;
}
