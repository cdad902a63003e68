/**
 * Every page has its own URL under /ui/ (History API): links can be shared and the back
 * button works. Plain `<a href>` links are taken over here, so they stay real links.
 */
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/ui';

export type Route =
  | { page: 'models' }
  | { page: 'model'; model: string }
  | { page: 'version'; model: string; ref: string }
  | { page: 'experiments' }
  | { page: 'experiment'; id: string }
  | { page: 'compare'; id: string }
  | { page: 'run'; id: string }
  | { page: 'callback' }
  | { page: 'not-found' };

const decode = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

export function parseRoute(pathname: string): Route {
  if (pathname === BASE || pathname === `${BASE}/`) return { page: 'models' };
  if (!pathname.startsWith(`${BASE}/`)) return { page: 'not-found' };
  const raw = pathname
    .slice(BASE.length + 1)
    .replace(/\/$/, '')
    .split('/');
  const parts = raw.map(decode);
  if (parts.some((p) => p === undefined)) return { page: 'not-found' };
  const [a, b, c, d, e] = parts as string[];
  if (a === 'models' && parts.length === 1) return { page: 'models' };
  if (a === 'models' && b && parts.length === 2) return { page: 'model', model: b };
  if (a === 'models' && b && c === 'versions' && d && parts.length === 4) return { page: 'version', model: b, ref: d };
  if (a === 'experiments' && parts.length === 1) return { page: 'experiments' };
  if (a === 'experiments' && b && parts.length === 2) return { page: 'experiment', id: b };
  if (a === 'experiments' && b && c === 'compare' && parts.length === 3) return { page: 'compare', id: b };
  if (a === 'runs' && b && parts.length === 2) return { page: 'run', id: b };
  if (a === 'callback' && parts.length === 1) return { page: 'callback' };
  void e;
  return { page: 'not-found' };
}

/** `href('models', name, 'versions', 3)` -> `/ui/models/<name>/versions/3`, each segment encoded. */
export const href = (...segments: (string | number)[]): string =>
  `${BASE}/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;

export const withQuery = (path: string, query: Record<string, string | undefined | null>): string => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const text = q.toString();
  return text ? `${path}?${text}` : path;
};

const CHANGE = 'mreg:navigate';

export function navigate(to: string, options: { replace?: boolean; state?: unknown } = {}): void {
  if (options.replace) history.replaceState(options.state ?? null, '', to);
  else history.pushState(options.state ?? null, '', to);
  window.dispatchEvent(new Event(CHANGE));
  window.scrollTo(0, 0);
}

export interface Location {
  path: string;
  query: URLSearchParams;
  /** The history entry's state (the pager keeps the previous page's token here). */
  state: unknown;
}

const current = (): Location => ({
  path: location.pathname,
  query: new URLSearchParams(location.search),
  state: history.state,
});

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return loc;
}

/** Same-origin links under /ui/ navigate in place; modified clicks and downloads stay the browser's. */
export function interceptLinks(root: Document = document): void {
  root.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const target = event.target instanceof Element ? event.target.closest('a') : null;
    if (!target || target.hasAttribute('download') || (target.target && target.target !== '_self')) return;
    const url = new URL(target.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
    event.preventDefault();
    navigate(`${url.pathname}${url.search}`);
  });
}
