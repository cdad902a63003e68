/** Item data as chunked entity properties: within the 64 KiB property limit, surrogate pairs kept whole. */
import { describe, expect, it } from 'vitest';
import { CHUNK_UNITS, dataFromProperties, dataToProperties, MAX_CHUNKS } from '../../functions/azure/entity-data.js';
import { RegistryError } from '../../shared/errors.js';

describe('entity data chunking', () => {
  it('keeps small data in one property', () => {
    const properties = dataToProperties({ a: 1 });
    expect(properties).toEqual({ d0: '{"a":1}' });
    expect(dataFromProperties({ ...properties, etag: 'x', partitionKey: 'p' })).toEqual({ a: 1 });
  });

  it('splits large data into chunks under the property limit and joins them again', () => {
    const data = { s: '🚀'.repeat(CHUNK_UNITS) }; // 2 units per rocket: a chunk boundary falls inside a pair
    const properties = dataToProperties(data);
    const chunks = Object.values(properties);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(CHUNK_UNITS);
      expect(chunk.length * 2).toBeLessThanOrEqual(64 * 1024);
      // A lone surrogate cannot be encoded: encodeURIComponent throws a URIError on one.
      expect(() => encodeURIComponent(chunk)).not.toThrow();
    }
    expect(dataFromProperties(properties)).toEqual(data);
  });

  it('refuses data beyond what one entity holds, as payload-too-large', () => {
    const tooBig = { s: 'x'.repeat(CHUNK_UNITS * MAX_CHUNKS) };
    expect(() => dataToProperties(tooBig)).toThrow(RegistryError);
    try {
      dataToProperties(tooBig);
    } catch (e) {
      expect((e as RegistryError).kind).toBe('payload-too-large');
    }
  });

  it('refuses an entity whose data is not a JSON object', () => {
    expect(() => dataFromProperties({ d0: '[1]' })).toThrow(/not a JSON object/);
  });
});
