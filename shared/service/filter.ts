/**
 * The `filter` query parameter: only indexed predicates, joined by " and ":
 * `name^=<prefix>`, `owner=<subject>`, `tags.<key>=<value>`, `runId=<id>`, `state=<STATE>`.
 */
import { invalid } from '../errors.js';

export interface Filter {
  namePrefix?: string;
  owner?: string;
  runId?: string;
  state?: string;
  tags: Record<string, string>;
  /** Canonical text, so page tokens bind to the filter rather than to its spelling. */
  canonical: string;
}

export function parseFilter(raw: string | undefined, allowed: ReadonlySet<string>): Filter {
  const filter: Filter = { tags: {}, canonical: '' };
  if (raw === undefined || raw.trim() === '') return filter;
  if (raw.length > 1024) throw invalid('filter', 'at most 1024 characters');
  for (const clause of raw.split(/\s+and\s+/i)) {
    const m = /^\s*([A-Za-z]+(?:\.[^=^\s]{1,128})?)\s*(\^=|=)\s*(.*?)\s*$/.exec(clause);
    if (!m) throw invalid('filter', `cannot read "${clause}": use field=value or name^=prefix joined by " and "`);
    const [, field = '', op, value = ''] = m;
    const name = field.startsWith('tags.') ? 'tags' : field;
    if (!allowed.has(name)) throw invalid('filter', `"${field}" is not a filterable field here`);
    if (value === '') throw invalid('filter', `"${field}" needs a value`);
    if (op === '^=' && name !== 'name') throw invalid('filter', 'only name takes a prefix (^=)');
    if (name === 'name' && op !== '^=') throw invalid('filter', 'name filters by prefix: name^=...');
    if (name === 'tags') filter.tags[field.slice(5)] = value;
    else if (name === 'name') filter.namePrefix = value;
    else if (name === 'owner') filter.owner = value;
    else if (name === 'runId') filter.runId = value;
    else if (name === 'state') filter.state = value.toUpperCase();
  }
  filter.canonical = JSON.stringify([
    filter.namePrefix,
    filter.owner,
    filter.runId,
    filter.state,
    Object.entries(filter.tags).sort(),
  ]);
  return filter;
}

export const tagsMatch = (tags: Record<string, string>, wanted: Record<string, string>): boolean =>
  Object.entries(wanted).every(([k, v]) => tags[k] === v);
