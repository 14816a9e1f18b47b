// POST /v1/quotes (signed write) and GET /v1/quotes/{id}.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../deps.ts';
import { apiError } from '../../errors.ts';
import { hasIdPrefix, newId } from '../../ids.ts';
import { signedWrite } from '../../pipeline/write-transaction.ts';
import { callerScope } from '../caller.ts';
import { IdParams } from '../schemas.ts';
import { priceTrip, type Trip } from './pricing.ts';
import { findQuote, insertQuote, showQuote } from './queries.ts';
import { quoteRequestProblems } from './rules.ts';
import { type CreateQuoteBody, CreateQuoteBody as CreateQuoteSchema, QuoteSchema } from './schemas.ts';

export const QUOTE_LIFETIME_MS = 15 * 60 * 1000;

export function quoteRoutes(deps: AppDeps) {
  return (app: FastifyInstance): void => {
    const createQuote = signedWrite(deps.db, deps.now, async (tx, request) => {
      const body = request.body as CreateQuoteBody;
      const { adults, children = 0 } = body.passengers;
      const trip: Trip = {
        origin: body.origin,
        destination: body.destination,
        departureDate: body.departure_date,
        returnDate: body.return_date ?? null,
        adults,
        children,
        cabin: body.cabin ?? 'economy',
      };
      const { price } = priceTrip(trip);
      const createdAt = deps.now();
      const row = await insertQuote(tx, callerScope(request), {
        ...trip,
        id: newId('quote', createdAt),
        price,
        createdAt: new Date(createdAt),
        expiresAt: new Date(createdAt + QUOTE_LIFETIME_MS),
      });
      return { status: 201, body: showQuote(row) };
    });

    app.post(
      '/v1/quotes',
      {
        config: { security: { kind: 'signedWrite', scope: 'quotes:write' } },
        schema: {
          summary: 'Price a trip',
          description: 'Returns a quote valid for 15 minutes. The same trip always gets the same price.',
          tags: ['quotes'],
          body: CreateQuoteSchema,
          response: { 201: QuoteSchema },
        },
        preHandler: async (request) => {
          const problems = quoteRequestProblems(request.body as CreateQuoteBody, deps.now());
          if (problems.length > 0) throw apiError('request.invalid', { details: problems });
        },
      },
      createQuote,
    );

    app.get(
      '/v1/quotes/:id',
      {
        config: { security: { kind: 'read', scope: 'quotes:read' } },
        schema: {
          summary: 'Retrieve a quote',
          tags: ['quotes'],
          params: IdParams,
          response: { 200: QuoteSchema },
          errorCodes: ['resource.not_found'],
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const scope = callerScope(request);
        const row = hasIdPrefix('quote', id)
          ? await deps.db.scoped(scope, (tx) => findQuote(tx, scope, id))
          : undefined;
        if (!row) throw apiError('resource.not_found');
        return showQuote(row);
      },
    );
  };
}
