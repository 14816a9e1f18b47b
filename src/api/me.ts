// GET /v1/me: who the caller is, and nothing more (seed 003, data minimisation).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

const MeResponse = Type.Object({
  partner: Type.Object({ id: Type.String(), name: Type.String() }),
  key: Type.Object({
    prefix: Type.String(),
    environment: Type.Union([Type.Literal('test'), Type.Literal('live')]),
    scopes: Type.Array(Type.String()),
  }),
});

export function meRoutes(app: FastifyInstance): void {
  app.get(
    '/v1/me',
    {
      config: { security: { kind: 'read' } },
      schema: { summary: 'The calling partner and key', tags: ['identity'], response: { 200: MeResponse } },
    },
    async (request) => {
      const key = request.tessera.key;
      if (!key) throw new Error('GET /v1/me reached without a key');
      return {
        partner: { id: key.partnerId, name: key.partnerName },
        key: { prefix: key.prefix, environment: key.environment, scopes: [...key.scopes] },
      };
    },
  );
}
