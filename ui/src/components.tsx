/** Small pieces every page uses: badges, tables of key/values, the pager, errors, copy. */
import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import { navigate, withQuery } from './router.js';

const TONES: Record<string, string> = {
  READY: 'ok',
  LIVE: 'ok',
  APPROVED: 'ok',
  FINISHED: 'ok',
  PENDING: 'warn',
  RUNNING: 'info',
  FAILED: 'bad',
  REJECTED: 'bad',
  KILLED: 'bad',
  ARCHIVED: 'muted',
  NONE: 'muted',
};

export function Badge({ value, label }: { value: string; label?: string }) {
  return (
    <span class={`badge badge-${TONES[value] ?? 'muted'}`} title={label ? `${label}: ${value}` : undefined}>
      {value}
    </span>
  );
}

export function Chips({ entries, empty = '—' }: { entries: [string, string][]; empty?: string }) {
  if (entries.length === 0) return <span class="muted">{empty}</span>;
  return (
    <ul class="chips">
      {entries.map(([k, v]) => (
        <li key={k} class="chip">
          <span class="chip-key">{k}</span>
          {v !== '' && <span class="chip-value">{v}</span>}
        </li>
      ))}
    </ul>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {error.message}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <div class="notice" role="status">
      {children}
    </div>
  );
}

export function Card({
  title,
  children,
  actions,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <section class="card" aria-label={title}>
      <header class="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** A definition list: label -> value, for the facts at the top of a page. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Any JSON object as a two-column table; nested values as compact JSON. */
export function KeyValues({ value, caption }: { value: Record<string, unknown>; caption: string }) {
  const entries = Object.entries(value);
  if (entries.length === 0) return <p class="muted">None.</p>;
  return (
    <table class="kv">
      <caption class="sr-only">{caption}</caption>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td class="mono">{typeof v === 'string' ? v : JSON.stringify(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Paging as the API pages: a token for the next page in the URL (shareable), the previous
 * page's token kept in the history entry so "Previous" returns to it.
 */
export function Pager({
  path,
  query,
  next,
  state,
}: {
  path: string;
  query: URLSearchParams;
  next: string | null | undefined;
  state: unknown;
}) {
  const current = query.get('page');
  const trail = Array.isArray((state as { trail?: unknown })?.trail)
    ? (state as { trail: (string | null)[] }).trail
    : [];
  const go = (page: string | null, nextTrail: (string | null)[]) => {
    const q = Object.fromEntries(query.entries());
    q.page = page ?? '';
    navigate(withQuery(path, q), { state: { trail: nextTrail } });
  };
  if (!current && !next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={!current} onClick={() => go(null, [])}>
        First
      </button>
      <button type="button" disabled={!current} onClick={() => go(trail.at(-1) ?? null, trail.slice(0, -1))}>
        Previous
      </button>
      <button type="button" disabled={!next} onClick={() => next && go(next, [...trail, current])}>
        Next
      </button>
    </nav>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="secondary"
      aria-label={label}
      onClick={() =>
        void navigator.clipboard?.writeText(text).then(
          () => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          },
          () => setCopied(false),
        )
      }
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

export function Tabs({
  tabs,
  current,
  onSelect,
}: {
  tabs: [string, string][];
  current: string;
  onSelect: (id: string) => void;
}) {
  return (
    <nav class="tabs" aria-label="Sections">
      {tabs.map(([id, label]) => (
        <button
          key={id}
          type="button"
          class={id === current ? 'tab active' : 'tab'}
          aria-current={id === current ? 'page' : undefined}
          onClick={() => onSelect(id)}
        >
          {label}
        </button>
      ))}
    </nav>
  );
}

/** A labelled form control: the label names exactly the control (`for`/`id`), nothing else. */
export function Field({
  label,
  inline = false,
  children,
}: {
  label: ComponentChildren;
  inline?: boolean;
  children: (id: string) => ComponentChildren;
}) {
  const id = useId();
  return (
    <div class={inline ? 'field inline' : 'field'}>
      <label for={id}>{label}</label>
      {children(id)}
    </div>
  );
}
