/** Pure rules of the core: names, paths, filters, page tokens, merge patch, scopes, key order. */
import { describe, expect, it } from 'vitest';
import { invert, keys, uninvert } from '../../shared/domain/keys.js';
import { aliasNameProblem, filePathProblem, labelProblem, modelNameProblem } from '../../shared/domain/names.js';
import { RegistryError } from '../../shared/errors.js';
import { scopesFromClaims } from '../../shared/ports/auth.js';
import { CreateModelRequest, ModelName } from '../../shared/schemas.js';
import { sequencerIsNewer } from '../../shared/service/drop-in-log.js';
import { parseFilter } from '../../shared/service/filter.js';
import { mergePatch } from '../../shared/service/merge-patch.js';
import { decodePageToken, encodePageToken, pageSizeOf } from '../../shared/service/page-token.js';

const fieldOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof RegistryError) return e.issues[0]?.field;
    throw e;
  }
  return undefined;
};

describe('names', () => {
  it('model names', () => {
    expect(modelNameProblem('fraud-v2.onnx_x')).toBeUndefined();
    for (const bad of ['', '.', '..', 'a/b', 'é', 'x'.repeat(129), 'a b']) expect(modelNameProblem(bad)).toBeDefined();
  });
  it('alias names', () => {
    expect(aliasNameProblem('champion')).toBeUndefined();
    for (const bad of ['7', '-1', 'latest', 'Label', 'none', 'a:b']) expect(aliasNameProblem(bad)).toBeDefined();
  });
  it('labels allow semver build metadata', () => {
    expect(labelProblem('1.2.0+build.7')).toBeUndefined();
    expect(labelProblem('1 2')).toBeDefined();
  });
  it('file paths', () => {
    for (const ok of ['model.onnx', 'a/b/c.bin', 'tokenizer/vocab.json', 'モデル/重み.bin', "it's (1).bin"])
      expect(filePathProblem(ok), ok).toBeUndefined();
    for (const bad of [
      '',
      '/abs',
      '../x',
      'a/../b',
      'a/./b',
      'a//b',
      'a/',
      '..\\x',
      'C:x',
      'a%2fb',
      'a\u0000',
      'a\u202e',
      'e\u0301',
      'x'.repeat(1025),
      'é'.repeat(513),
      'a#b',
    ])
      expect(filePathProblem(bad), JSON.stringify(bad)).toBeDefined();
  });
});

describe('request schemas', () => {
  it('are built on first use and then kept, sharing their parts', () => {
    const schema = CreateModelRequest();
    expect(CreateModelRequest()).toBe(schema);
    expect(schema.def.shape.name).toBe(ModelName());
    expect(schema.safeParse({ name: 'm', extra: 1 }).success).toBe(false);
  });
});

describe('filters', () => {
  const all = new Set(['name', 'owner', 'tags', 'runId', 'state']);
  it('parses indexed predicates joined by and', () => {
    const f = parseFilter('name^=fr and tags.team=risk AND owner=bob', all);
    expect(f).toMatchObject({ namePrefix: 'fr', owner: 'bob', tags: { team: 'risk' } });
    expect(parseFilter('owner=bob and name^=fr and tags.team=risk', all).canonical).toBe(f.canonical);
  });
  it('rejects what is not indexed', () => {
    expect(fieldOf(() => parseFilter('description=x', all))).toBe('filter');
    expect(fieldOf(() => parseFilter('tags.a^=x', all))).toBe('filter');
    expect(fieldOf(() => parseFilter('owner=', all))).toBe('filter');
    expect(fieldOf(() => parseFilter('x'.repeat(2000), all))).toBe('filter');
  });
});

describe('page tokens', () => {
  const scope = { route: 'versions', partition: 'M#a', filter: '' };
  it('round-trip within their listing', () => {
    expect(decodePageToken(encodePageToken(scope, 'V#1'), scope, 'V#')).toBe('V#1');
  });
  it('are refused by another listing, partition or filter, or when mangled', () => {
    const token = encodePageToken(scope, 'V#1');
    expect(fieldOf(() => decodePageToken(token, { ...scope, partition: 'M#b' }, 'V#'))).toBe('pageToken');
    expect(fieldOf(() => decodePageToken(token, { ...scope, filter: 'x' }, 'V#'))).toBe('pageToken');
    expect(fieldOf(() => decodePageToken(token, { ...scope, route: 'models' }, 'V#'))).toBe('pageToken');
    expect(fieldOf(() => decodePageToken(`${token}x`, scope, 'V#'))).toBe('pageToken');
    expect(fieldOf(() => decodePageToken('!!', scope, 'V#'))).toBe('pageToken');
  });
  it('page sizes are 1-1000', () => {
    expect(pageSizeOf(undefined)).toBe(100);
    expect(pageSizeOf('1000')).toBe(1000);
    for (const bad of ['0', '1001', '-1', '1e3', ' 5', '5.0']) expect(fieldOf(() => pageSizeOf(bad))).toBe('pageSize');
  });
});

describe('merge patch (RFC 7396)', () => {
  it('sets, replaces, removes and recurses', () => {
    expect(mergePatch({ a: 1, b: { c: 1, d: 2 } }, { a: null, b: { d: null, e: 3 }, f: [1] })).toEqual({
      b: { c: 1, e: 3 },
      f: [1],
    });
    expect(mergePatch({ a: 1 }, null)).toEqual({});
    expect(mergePatch({ a: 1 }, undefined)).toEqual({ a: 1 });
  });
});

describe('scopes from claims', () => {
  it('reads space-separated scope, scp arrays and roles, with API prefixes; higher scopes imply lower', () => {
    expect([...scopesFromClaims(['openid registry.read'])]).toEqual(['registry.read']);
    // Only the exact prefix counts: no stripping of whatever comes before the last "/".
    expect(scopesFromClaims(['api://mreg/registry.write'])).toEqual(new Set());
    expect(scopesFromClaims(['api://mreg/registry.write'], { prefix: 'api://mreg/' })).toEqual(
      new Set(['registry.write', 'registry.read']),
    );
    expect(scopesFromClaims(['other/registry.admin', 'registry.admin'], { prefix: 'api://mreg/' })).toEqual(new Set());
    expect(
      scopesFromClaims(['registry.admin registry.write'], { grant: new Set(['registry.read', 'registry.write']) }),
    ).toEqual(new Set(['registry.write', 'registry.read']));
    expect(scopesFromClaims(['registry.admin'])).toEqual(
      new Set(['registry.admin', 'registry.write', 'registry.read']),
    );
    expect(scopesFromClaims(['registry.reader', 'admin', 'profile'])).toEqual(new Set());
  });
});

describe('key order', () => {
  it('inverted numbers read newest first', () => {
    const sorted = [1, 2, 10, 100000].map((n) => keys.version(n)).sort();
    expect(sorted).toEqual([100000, 10, 2, 1].map((n) => keys.version(n)));
    expect(uninvert(invert(42))).toBe(42);
  });
  it('S3 sequencers compare right-aligned', () => {
    expect(sequencerIsNewer('0055B988749A9FE501', '0055B988749A9FE4F0')).toBe(true);
    expect(sequencerIsNewer('FF', '0100')).toBe(false);
    expect(sequencerIsNewer(undefined, 'A')).toBe(true);
  });
});
