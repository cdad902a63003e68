/**
 * Serves the web UI at /ui/: the page for every UI path (the UI routes in the browser), and
 * its hashed assets. The assets hold no data, so they need no credentials; the page carries
 * only how to sign in. Everything is sent with a Content-Security-Policy that allows no
 * inline script: scripts and styles come from this origin only.
 */
import type { Context, Hono } from 'hono';
import { problemOf, problemResponse } from './problem.js';
import type { UiConfig } from './ui-config.js';

export type { UiConfig } from './ui-config.js';

/** The built UI's entry files (content-hashed names). */
export interface UiManifest {
  script: string;
  style: string;
}

/** The built UI as a runtime holds it: read from a directory, or built in memory. */
export interface UiAssets {
  manifest(): Promise<UiManifest>;
  /** An asset's bytes, undefined when there is no such asset. */
  file(name: string): Promise<Uint8Array<ArrayBuffer> | undefined>;
}

export const UI_BASE = '/ui';

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/** The policy for the page and its assets; an OIDC issuer's origin is added for discovery and tokens. */
export function contentSecurityPolicy(config: UiConfig): string {
  const connect = ["'self'"];
  if (config.auth.kind === 'oidc') {
    connect.push(new URL(config.auth.issuer).origin);
    // The token endpoint may live on another host than the issuer (Cognito's domain does).
    connect.push('https:');
  }
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect.join(' ')}`,
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const escapeAttribute = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function uiPage(manifest: UiManifest, config: UiConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mreg</title>
<meta name="mreg-config" content="${escapeAttribute(JSON.stringify(config))}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${UI_BASE}/assets/${encodeURIComponent(manifest.style)}">
<script type="module" src="${UI_BASE}/assets/${encodeURIComponent(manifest.script)}"></script>
</head>
<body>
<div id="app"><noscript>The mreg web UI needs JavaScript. The API is at /v1/.</noscript></div>
</body>
</html>`;
}

export interface UiOptions {
  assets: UiAssets;
  config: UiConfig;
}

/** Adds `/ui`, `/ui/*` and the UI's assets to `app`. */
export function uiRoutes(app: Hono, options: UiOptions): void {
  const csp = contentSecurityPolicy(options.config);
  const headers = (type: string, cache: string): Record<string, string> => ({
    'content-type': type,
    'cache-control': cache,
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  app.get(`${UI_BASE}/assets/:name`, async (c) => {
    const name = c.req.param('name');
    const type = TYPES[name.split('.').at(-1) ?? ''];
    const bytes = /^[\w.-]+$/.test(name) && type ? await options.assets.file(name) : undefined;
    if (!bytes || !type) return problemResponse(problemOf('not-found', `no UI asset ${name}`));
    // Names carry their content's hash: a changed file gets a new name.
    return new Response(bytes, { headers: headers(type, 'public, max-age=31536000, immutable') });
  });
  const page = async (c: Context): Promise<Response> => {
    // Routers may take `/ui` and `/ui/` for one path; the page's relative links need the slash.
    if (new URL(c.req.url).pathname === UI_BASE)
      return new Response(null, { status: 308, headers: { location: `${UI_BASE}/` } });
    const html = uiPage(await options.assets.manifest(), options.config);
    return new Response(html, { headers: headers('text/html; charset=utf-8', 'no-cache') });
  };
  app.get(UI_BASE, page);
  app.get(`${UI_BASE}/*`, page);
}
