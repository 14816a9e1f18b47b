// POST /admin/v1/keys/:id/roll: rotation without downtime. A new key is issued now (shown once) and the
// old one keeps working until the chosen overlap ends (at most 7 days), then expires; both are audited.
// Plain regenerate (/regenerate) keeps its immediate effect.
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.ts';
import { apiError } from '../errors.ts';
import { ARGON2_COST, type Argon2Cost } from '../keys/argon2.ts';
import { MAX_ROLL_OVERLAP_MS, rollKey } from '../keys/store.ts';
import { adminActor, showKey, staffRoute } from './routes.ts';
import { KeyIdParams } from './schemas.ts';

const RollKeyBody = Type.Object(
  {
    overlap_seconds: Type.Integer({ minimum: 60, maximum: MAX_ROLL_OVERLAP_MS / 1000 }),
  },
  { additionalProperties: false },
);
type RollKeyBody = Static<typeof RollKeyBody>;

export function keyRollRoutes(
  db: Database,
  now: () => number = Date.now,
  argon2Cost: Argon2Cost = ARGON2_COST,
) {
  return (app: FastifyInstance): void => {
    app.post(
      '/admin/v1/keys/:id/roll',
      {
        config: staffRoute('operate'),
        schema: { params: KeyIdParams, body: RollKeyBody },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const body = request.body as RollKeyBody;
        const at = now();
        const outcome = await rollKey(
          db,
          adminActor(request),
          {
            keyId: id,
            oldExpiresAt: new Date(at + body.overlap_seconds * 1000),
            now: at,
          },
          argon2Cost,
        );
        if (outcome.kind === 'not_found') throw apiError('resource.not_found');
        if (outcome.kind === 'revoked') throw apiError('key.revoked');
        reply.code(201);
        return {
          ...showKey(outcome.issued.record),
          key: outcome.issued.key,
          previous: showKey(outcome.previous),
        };
      },
    );
  };
}
