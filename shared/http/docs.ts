/** The `/docs` reference page. Its viewer's assets are served by the registry itself (no CDN). */
export type DocsAssets = (name: string) => Promise<Response | undefined>;

export function docsPage(specUrl: string, assetBase: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mreg API reference</title>
<link rel="stylesheet" href="${assetBase}/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="${assetBase}/swagger-ui-bundle.js"></script>
<script src="${assetBase}/docs-init.js" data-spec="${specUrl}"></script>
</body>
</html>`;
}

/** Kept as a separate script so the page needs no inline script (a strict CSP stays possible). */
export const DOCS_INIT_SCRIPT = `(() => {
  const spec = document.currentScript.dataset.spec;
  window.ui = SwaggerUIBundle({ url: spec, dom_id: '#docs', deepLinking: true });
})();`;
