// The readable API reference at /docs, rendered on the server from the OpenAPI document through the
// console's escaping template: no script at all, and one inline stylesheet allowed by its hash, so the page
// works under a strict Content-Security-Policy. Schemas are shown as field tables, not as raw JSON Schema.
import { createHash } from 'node:crypto';
import { type Html, html, trusted } from '../console/html.ts';
import { inline, markdown } from './markdown.ts';
import { schemaTable, typeOf } from './schema-table.ts';
import { signingRecipe } from './signing-recipe.ts';

type Json = Record<string, unknown>;

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1b1f23}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}h3{font-size:1.05rem;margin-top:2.2rem}
code,pre{font:13px/1.4 ui-monospace,monospace;background:#f5f6f7;border-radius:4px}
code{padding:.1em .3em}pre{padding:.8rem;overflow:auto}
.method{display:inline-block;min-width:4em;font-weight:700}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{text-align:left;border-bottom:1px solid #eee;padding:.3rem .5rem;vertical-align:top}`;

/** The page's own Content-Security-Policy: nothing but this exact stylesheet. */
export const REFERENCE_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly op: Json;
}

export function renderReferencePage(document: Json): string {
  const info = (document.info ?? {}) as { title?: string; description?: string };
  const title = info.title ?? 'API reference';
  const components = (document.components ?? {}) as {
    schemas?: Record<string, Json>;
    parameters?: Record<string, Json>;
  };
  const operations = Object.entries((document.paths ?? {}) as Record<string, Record<string, Json>>).flatMap(
    ([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method, path, op })),
  );
  const quoteExample = exampleOf(operations.find((o) => o.method === 'post' && o.path === '/v1/quotes'));
  const schemas = Object.entries(components.schemas ?? {});
  // The stylesheet is a constant of this file, hashed into the CSP above; it is never built from input.
  const style = trusted(STYLE);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${style}</style></head>
<body><h1>${title}</h1>
<p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3.1).</p>
<ul><li><a href="#authentication">Authentication and errors</a></li><li><a href="#signing">Signing a write</a></li>
${operations.map((o) => html`<li><a href="#op-${String(o.op.operationId)}">${o.method.toUpperCase()} ${o.path}</a>: ${String(o.op.summary ?? '')}</li>`)}
<li><a href="#schemas">Schemas</a></li></ul>
<h2 id="authentication">Authentication and errors</h2>${markdown(info.description ?? '')}
<h2 id="signing">Signing a write</h2>${signingRecipe(quoteExample)}
<h2 id="operations">Operations</h2>
${operations.map((o) => renderOperation(o, components.parameters ?? {}, components.schemas ?? {}))}
<h2 id="schemas">Schemas</h2>
${schemas.map(([name, schema]) => html`<h3 id="schema-${name}">${name}</h3>${markdown(String(schema.description ?? ''))}${schemaTable(schema)}`)}
</body></html>`.toString();
}

function renderOperation(o: Operation, shared: Record<string, Json>, schemas: Record<string, Json>): Html {
  const parameters = ((o.op.parameters ?? []) as Json[]).map((declared) =>
    typeof declared.$ref === 'string' ? (shared[declared.$ref.split('/').pop() ?? ''] ?? {}) : declared,
  );
  const body = mediaOf(o.op.requestBody)?.['application/json'];
  const example = exampleOf(o);
  return html`<h3 id="op-${String(o.op.operationId)}"><span class="method">${o.method.toUpperCase()}</span> <code>${o.path}</code></h3>
<p><strong>${String(o.op.summary ?? '')}</strong></p>${markdown(String(o.op.description ?? ''))}
${parameters.length > 0 ? parameterTable(parameters) : ''}
${body ? html`<p>Request body (<code>application/json</code>): ${typeOf((body.schema ?? {}) as Json)}</p>${schemaTable(resolve(body.schema, schemas))}` : ''}
${example === undefined ? '' : html`<p>Example request body:</p><pre>${JSON.stringify(example, null, 2)}</pre>`}
${responseTable((o.op.responses ?? {}) as Record<string, Json>)}`;
}

function parameterTable(parameters: Json[]): Html {
  return html`<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Required</th><th>Notes</th></tr>${parameters.map(
    (p) =>
      html`<tr><td><code>${String(p.name)}</code></td><td>${String(p.in)}</td><td>${typeOf((p.schema ?? {}) as Json)}</td><td>${p.required ? 'yes' : ''}</td><td>${inline(String(p.description ?? ''))}</td></tr>`,
  )}</table>`;
}

function responseTable(responses: Record<string, Json>): Html {
  return html`<table><tr><th>Status</th><th>Body</th><th>Meaning</th></tr>${Object.entries(responses).map(
    ([status, response]) => {
      const media = Object.entries(mediaOf(response) ?? {});
      const bodies = media.map(
        ([type, m], i) =>
          html`${i > 0 ? ', ' : ''}${typeOf((m.schema ?? {}) as Json)} as <code>${type}</code>`,
      );
      const notes = media
        .map(([, m]) => (typeof m.description === 'string' ? ` ${m.description}` : ''))
        .join('');
      return html`<tr><td>${status}</td><td>${bodies}</td><td>${inline(`${String(response.description ?? '')}${notes}`)}</td></tr>`;
    },
  )}</table>`;
}

function mediaOf(holder: unknown): Record<string, Json> | undefined {
  return (holder as { content?: Record<string, Json> } | undefined)?.content;
}

function exampleOf(o: Operation | undefined): unknown {
  const examples = mediaOf(o?.op.requestBody)?.['application/json']?.examples as
    | Record<string, Json>
    | undefined;
  return examples === undefined ? undefined : Object.values(examples)[0]?.value;
}

function resolve(schema: unknown, schemas: Record<string, Json>): Json {
  const ref = (schema as Json | undefined)?.$ref;
  return typeof ref === 'string' ? (schemas[ref.split('/').pop() ?? ''] ?? {}) : ((schema ?? {}) as Json);
}
