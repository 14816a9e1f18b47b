// A readable HTML reference rendered on the server from the OpenAPI document: no script at all, and one
// inline stylesheet allowed by its hash, so the page works under a strict Content-Security-Policy.
import { createHash } from 'node:crypto';

type Json = Record<string, unknown>;

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b1f23}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}h3{font-size:1.05rem;margin-top:2rem}
code,pre{font:13px/1.4 ui-monospace,monospace;background:#f5f6f7;border-radius:4px}
code{padding:.1em .3em}pre{padding:.8rem;overflow:auto}
.method{display:inline-block;min-width:4.5em;font-weight:700}
table{border-collapse:collapse;width:100%}td,th{text-align:left;border-bottom:1px solid #eee;padding:.3rem .5rem;vertical-align:top}`;

/** The page's own Content-Security-Policy: nothing but this exact stylesheet. */
export const REFERENCE_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

export function renderReferencePage(document: Json): string {
  const info = (document.info ?? {}) as { title?: string; description?: string };
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  const operations = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => renderOperation(method, path, op, document)),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(info.title ?? 'API reference')}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><h1>${escapeHtml(info.title ?? 'API reference')}</h1>
<p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Authentication and signing</h2>${paragraphs(info.description ?? '')}
<h2>Operations</h2>
${operations.join('\n')}
</body></html>`;
}

function renderOperation(method: string, path: string, op: Json, document: Json): string {
  const shared = ((document.components as Json | undefined)?.parameters ?? {}) as Record<string, Json>;
  const parameters = ((op.parameters ?? []) as Json[]).map((declared) => {
    const p =
      typeof declared.$ref === 'string' ? (shared[declared.$ref.split('/').pop() ?? ''] ?? {}) : declared;
    const name = `${String(p.name)} (${String(p.in)}${p.required ? ', required' : ''})`;
    return `<tr><td><code>${escapeHtml(name)}</code></td><td>${escapeHtml(String(p.description ?? ''))}</td></tr>`;
  });
  const body = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.[
    'application/json'
  ]?.schema;
  const responses = Object.entries((op.responses ?? {}) as Record<string, { description?: string }>).map(
    ([status, r]) => `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(r.description ?? '')}</td></tr>`,
  );
  return `<h3><span class="method">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h3>
<p>${escapeHtml(String(op.summary ?? ''))}</p>${paragraphs(String(op.description ?? ''))}
${parameters.length > 0 ? `<table><tr><th>Parameter</th><th></th></tr>${parameters.join('')}</table>` : ''}
${body === undefined ? '' : `<p>Request body:</p><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre>`}
<table><tr><th>Status</th><th>Response</th></tr>${responses.join('')}</table>`;
}

function paragraphs(text: string): string {
  return text
    .split(/\n\n+/)
    .filter((p) => p.trim() !== '')
    .map((p) => `<p>${escapeHtml(p).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
    .join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
