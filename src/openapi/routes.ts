// GET /v1/openapi.json and GET /docs: public, generated from the catalogued routes on first request (by then
// every route is registered), and again each UTC day so the request examples' dates stay valid.
import type { FastifyInstance } from 'fastify';
import type { RouteCatalogue } from './catalogue.ts';
import { buildOpenApiDocument } from './document.ts';
import { REFERENCE_PAGE_CSP, renderReferencePage } from './reference-page.ts';

const publicRoute = { security: { kind: 'public' as const } };
const DAY_MS = 86_400_000;

interface Rendered {
  readonly day: number;
  readonly json: string;
  readonly page: string;
}

export function openApiRoutes(catalogue: RouteCatalogue, now: () => number = Date.now) {
  let rendered: Rendered | undefined;
  const current = (): Rendered => {
    const at = now();
    const day = Math.floor(at / DAY_MS);
    if (rendered?.day !== day) {
      const document = buildOpenApiDocument(catalogue.routes(), at);
      rendered = { day, json: JSON.stringify(document), page: renderReferencePage(document) };
    }
    return rendered;
  };

  return (app: FastifyInstance): void => {
    app.get(
      '/v1/openapi.json',
      { config: publicRoute, schema: { tags: ['identity'] } },
      async (_request, reply) => {
        reply.type('application/json; charset=utf-8');
        return current().json;
      },
    );

    app.get('/docs', { config: publicRoute }, async (_request, reply) => {
      reply.header('content-security-policy', REFERENCE_PAGE_CSP).type('text/html; charset=utf-8');
      return current().page;
    });
  };
}
