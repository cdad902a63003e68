/** Serves the docs viewer (swagger-ui-dist, an npm package) from disk: /docs works with no internet. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DOCS_INIT_SCRIPT, type DocsAssets } from '../../shared/http/docs.js';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

export function swaggerUiAssets(): DocsAssets {
  const root = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return async (name) => {
    if (name === 'docs-init.js')
      return new Response(DOCS_INIT_SCRIPT, { headers: { 'content-type': 'text/javascript; charset=utf-8' } });
    const type = ASSETS[name];
    if (!type) return undefined;
    return new Response(await readFile(join(root, name)), {
      headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' },
    });
  };
}
