// GET /v1/openapi.json and GET /docs: public, generated once from the catalogued routes on first request
// (by then every route is registered).
import type { FastifyInstance } from 'fastify';
import type { RouteCatalogue } from './catalogue.ts';
import { buildOpenApiDocument } from './document.ts';
import { REFERENCE_PAGE_CSP, renderReferencePage } from './reference-page.ts';

const publicRoute = { security: { kind: 'public' as const } };

export function openApiRoutes(catalogue: RouteCatalogue) {
  let document: Record<string, unknown> | undefined;
  let page: string | undefined;
  const documentOnce = () => {
    document ??= buildOpenApiDocument(catalogue.routes());
    return document;
  };

  return (app: FastifyInstance): void => {
    app.get(
      '/v1/openapi.json',
      { config: publicRoute, schema: { summary: 'This OpenAPI 3.1 document', tags: ['identity'] } },
      async (_request, reply) => {
        reply.type('application/json; charset=utf-8');
        return JSON.stringify(documentOnce());
      },
    );

    app.get('/docs', { config: publicRoute }, async (_request, reply) => {
      page ??= renderReferencePage(documentOnce());
      reply.header('content-security-policy', REFERENCE_PAGE_CSP).type('text/html; charset=utf-8');
      return page;
    });
  };
}
