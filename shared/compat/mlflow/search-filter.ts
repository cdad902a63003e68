/**
 * MLflow's search grammar, read into the core's structured conditions: clauses joined by AND,
 * each `<entity>.<key> <op> <value>` (`metrics.acc > 0.9`, `params.lr = '0.01'`,
 * `tags."my key" LIKE 'a%'`, `attributes.status IN ('FINISHED','FAILED')`, `run_id IS NULL`...),
 * and `order_by` items (`metrics.acc DESC`). Anything else is INVALID_PARAMETER_VALUE.
 */
import type { RunAttribute, RunCondition, RunField, RunOrder } from '../../service/tracking/run-search.js';
import { invalidParam } from './wire.js';

export interface Clause {
  entity: 'metric' | 'param' | 'tag' | 'attribute';
  key: string;
  op: RunCondition['op'];
  value?: string | number | Array<string | number>;
}

const ENTITY: Record<string, Clause['entity']> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'attribute',
};

const TOKEN =
  /\s*(?:(?<str>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*")|(?<bq>`[^`]*`)|(?<num>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))|(?<op>!=|<>|<=|>=|=|<|>|\(|\)|,)|(?<word>[A-Za-z_][\w.\-/]*))/y;

type Token = { kind: 'str' | 'bq' | 'num' | 'op' | 'word'; text: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m?.groups) throw invalidParam(`Invalid search expression near '${text.slice(at, at + 20)}'`);
    const g = m.groups;
    const kind = (['str', 'bq', 'num', 'op', 'word'] as const).find((k) => g[k] !== undefined);
    if (!kind) throw invalidParam(`Invalid search expression near '${text.slice(at, at + 20)}'`);
    out.push({ kind, text: g[kind] ?? '' });
  }
  return out;
}

const unquote = (s: string): string => {
  const q = s[0];
  const body = s.slice(1, -1);
  return q === "'" ? body.replace(/''/g, "'").replace(/\\(.)/g, '$1') : body.replace(/\\(.)/g, '$1');
};

class Reader {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw invalidParam('Invalid search expression: it ends too early');
    return t;
  }
  word(w: string): boolean {
    const t = this.peek();
    if (t?.kind === 'word' && t.text.toUpperCase() === w) {
      this.i++;
      return true;
    }
    return false;
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }
}

/** `metrics.acc`, ``params.`a b` ``, `tags."k"`, or a bare attribute (`status`). */
function identifier(r: Reader): { entity: Clause['entity']; key: string } {
  const t = r.next();
  if (t.kind !== 'word') throw invalidParam(`Invalid identifier '${t.text}'`);
  const dot = t.text.indexOf('.');
  if (dot < 0) {
    if (ENTITY[t.text.toLowerCase()] && (r.peek()?.kind === 'str' || r.peek()?.kind === 'bq')) {
      // `params."a b"` tokenizes as the entity word followed by a quoted key, the dot on the word.
      throw invalidParam(`Invalid identifier '${t.text}': write <entity>.<key>`);
    }
    return { entity: 'attribute', key: t.text };
  }
  const entityWord = t.text.slice(0, dot).toLowerCase();
  const entity = ENTITY[entityWord];
  if (!entity) throw invalidParam(`Invalid entity type '${t.text.slice(0, dot)}'`);
  let key = t.text.slice(dot + 1);
  if (key === '') {
    const q = r.next();
    if (q.kind !== 'str' && q.kind !== 'bq') throw invalidParam(`Invalid identifier '${t.text}'`);
    key = unquote(q.text);
  }
  return { entity, key };
}

function literal(t: Token): string | number {
  if (t.kind === 'str') return unquote(t.text);
  if (t.kind === 'num') return Number(t.text);
  throw invalidParam(`Expected a value, found '${t.text}'`);
}

export function parseSearchFilter(text: string | undefined): Clause[] {
  if (text === undefined || text.trim() === '') return [];
  if (text.length > 4096) throw invalidParam('The search filter is longer than 4096 characters');
  const r = new Reader(tokenize(text));
  const clauses: Clause[] = [];
  for (;;) {
    const { entity, key } = identifier(r);
    let op: Clause['op'];
    let value: Clause['value'];
    if (r.word('IS')) {
      op = r.word('NOT') ? 'IS NOT NULL' : 'IS NULL';
      if (!r.word('NULL')) throw invalidParam('Expected NULL after IS');
    } else if (r.word('NOT')) {
      if (!r.word('IN')) throw invalidParam('Expected IN after NOT');
      op = 'NOT IN';
      value = list(r);
    } else if (r.word('IN')) {
      op = 'IN';
      value = list(r);
    } else if (r.word('LIKE')) {
      op = 'LIKE';
      value = literal(r.next());
    } else if (r.word('ILIKE')) {
      op = 'ILIKE';
      value = literal(r.next());
    } else {
      const t = r.next();
      if (t.kind !== 'op' || !['=', '!=', '<>', '<', '<=', '>', '>='].includes(t.text))
        throw invalidParam(`Invalid comparator '${t.text}'`);
      op = (t.text === '<>' ? '!=' : t.text) as Clause['op'];
      value = literal(r.next());
    }
    clauses.push(value === undefined ? { entity, key, op } : { entity, key, op, value });
    if (r.done()) return clauses;
    if (!r.word('AND')) throw invalidParam(`Expected AND, found '${r.peek()?.text}'`);
  }
}

function list(r: Reader): Array<string | number> {
  const open = r.next();
  if (open.text !== '(') throw invalidParam('Expected ( after IN');
  const values: Array<string | number> = [];
  for (;;) {
    values.push(literal(r.next()));
    const t = r.next();
    if (t.text === ')') return values;
    if (t.text !== ',') throw invalidParam(`Expected , or ) in a list, found '${t.text}'`);
  }
}

const ATTRIBUTES: Record<string, RunAttribute> = {
  run_id: 'runId',
  run_uuid: 'runId',
  run_name: 'name',
  status: 'status',
  start_time: 'startTime',
  created: 'startTime',
  Created: 'startTime',
  end_time: 'endTime',
  user_id: 'createdBy',
  lifecycle_stage: 'lifecycleStage',
};

function runField(entity: Clause['entity'], key: string): RunField {
  if (entity === 'attribute') {
    const attribute = ATTRIBUTES[key];
    if (!attribute) throw invalidParam(`Invalid attribute key '${key}'`);
    return { kind: 'attribute', key: attribute };
  }
  // The run's name is its own attribute here, not a tag.
  if (entity === 'tag' && key === 'mlflow.runName') return { kind: 'attribute', key: 'name' };
  return { kind: entity, key };
}

export function runConditions(text: string | undefined): RunCondition[] {
  return parseSearchFilter(text).map((c) => {
    const field = runField(c.entity, c.key);
    const numeric = field.kind === 'metric' || (field.kind === 'attribute' && /Time$/.test(field.key));
    if (numeric && ['LIKE', 'ILIKE'].includes(c.op)) throw invalidParam(`'${c.op}' does not apply to '${c.key}'`);
    if (numeric && typeof c.value === 'string') throw invalidParam(`Expected a number for '${c.key}'`);
    if (!numeric && typeof c.value === 'number') throw invalidParam(`Expected a quoted string for '${c.key}'`);
    return c.value === undefined ? { field, op: c.op } : { field, op: c.op, value: c.value };
  });
}

/** `order_by` items: `<identifier> [ASC|DESC]`. */
export function runOrder(items: string[]): RunOrder[] {
  return items.map((item) => {
    const r = new Reader(tokenize(item));
    const { entity, key } = identifier(r);
    let ascending = true;
    if (r.word('DESC')) ascending = false;
    else r.word('ASC');
    if (!r.done()) throw invalidParam(`Invalid order_by clause '${item}'`);
    return { field: runField(entity, key), ascending };
  });
}
