// POST /v1/bookings, GET /v1/bookings/{id}, GET /v1/bookings, POST /v1/bookings/{id}/cancel.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../deps.ts';
import { apiError, type ErrorDetail } from '../../errors.ts';
import { hasIdPrefix, newId } from '../../ids.ts';
import { signedWrite } from '../../pipeline/write-transaction.ts';
import { dayNumber, today } from '../calendar.ts';
import { callerScope } from '../caller.ts';
import { findQuote } from '../quotes/queries.ts';
import { IdParams } from '../schemas.ts';
import { cancelBooking, findBooking, insertBooking, isQuoteBooked, listBookings } from './queries.ts';
import {
  BookingList,
  BookingSchema,
  type CreateBookingBody,
  CreateBookingBody as CreateBookingSchema,
  type ListBookingsQuery,
  ListBookingsQuery as ListBookingsSchema,
} from './schemas.ts';

const DEFAULT_PAGE_SIZE = 20;
const read = { security: { kind: 'read' as const, scope: 'bookings:read' as const } };
const write = { security: { kind: 'signedWrite' as const, scope: 'bookings:write' as const } };

export function bookingRoutes(deps: AppDeps) {
  return (app: FastifyInstance): void => {
    const createBooking = signedWrite(deps.db, deps.now, async (tx, request) => {
      const body = request.body as CreateBookingBody;
      const scope = callerScope(request);
      const quote = hasIdPrefix('quote', body.quote_id)
        ? await findQuote(tx, scope, body.quote_id)
        : undefined;
      if (!quote) throw apiError('resource.not_found');
      const passengers = quote.adults + quote.children;
      if (body.travellers.length !== passengers) {
        const message = `must list exactly ${passengers} traveller(s), one per passenger of the quote`;
        throw apiError('request.invalid', { details: [{ field: 'travellers', message }] });
      }
      if (await isQuoteBooked(tx, scope, quote.id)) throw apiError('quote.already_booked');
      const now = deps.now();
      if (new Date(quote.expires_at).getTime() <= now) throw apiError('quote.expired');
      const booking = await insertBooking(tx, scope, {
        id: newId('booking', now),
        quoteId: quote.id,
        travellers: body.travellers,
        email: body.contact.email,
        reference: body.reference ?? null,
        amount: quote.amount,
        currency: quote.currency,
        createdAt: new Date(now),
      });
      return { status: 201, body: booking };
    });

    app.post(
      '/v1/bookings',
      {
        config: write,
        schema: {
          summary: 'Book a quote',
          description: 'Books an unexpired quote, exactly once. The booking takes the price of the quote.',
          tags: ['bookings'],
          body: CreateBookingSchema,
          response: { 201: BookingSchema },
          errorCodes: ['resource.not_found', 'quote.expired', 'quote.already_booked'],
        },
        // Checked before the write transaction, like the schema, so it does not use up the Idempotency-Key.
        preHandler: async (request) => {
          const problems = birthDateProblems(request.body as CreateBookingBody, deps.now());
          if (problems.length > 0) throw apiError('request.invalid', { details: problems });
        },
      },
      createBooking,
    );

    app.get(
      '/v1/bookings/:id',
      {
        config: read,
        schema: {
          summary: 'Retrieve a booking',
          tags: ['bookings'],
          params: IdParams,
          response: { 200: BookingSchema },
          errorCodes: ['resource.not_found'],
        },
      },
      async (request) => {
        const { id } = request.params as { id: string };
        const scope = callerScope(request);
        const booking = hasIdPrefix('booking', id)
          ? await deps.db.scoped(scope, (tx) => findBooking(tx, scope, id))
          : undefined;
        if (!booking) throw apiError('resource.not_found');
        return booking;
      },
    );

    app.get(
      '/v1/bookings',
      {
        config: read,
        schema: {
          summary: 'List bookings',
          description: 'Newest first, by creation time then id. Page with starting_after.',
          tags: ['bookings'],
          querystring: ListBookingsSchema,
          response: { 200: BookingList },
          errorCodes: ['resource.not_found'],
        },
      },
      async (request) => {
        const query = request.query as ListBookingsQuery;
        const scope = callerScope(request);
        const after = query.starting_after;
        return deps.db.scoped(scope, async (tx) => {
          if (
            after !== undefined &&
            !(hasIdPrefix('booking', after) && (await findBooking(tx, scope, after)))
          ) {
            throw apiError('resource.not_found');
          }
          return listBookings(
            tx,
            scope,
            query.limit ?? DEFAULT_PAGE_SIZE,
            after === undefined ? undefined : { id: after },
          );
        });
      },
    );

    const cancel = signedWrite(deps.db, deps.now, async (tx, request) => {
      const { id } = request.params as { id: string };
      if (!hasIdPrefix('booking', id)) throw apiError('resource.not_found');
      return { status: 200, body: await cancelBooking(tx, callerScope(request), id, new Date(deps.now())) };
    });

    app.post(
      '/v1/bookings/:id/cancel',
      {
        config: write,
        schema: {
          summary: 'Cancel a booking',
          description: 'Send no body, or `{}`.',
          tags: ['bookings'],
          params: IdParams,
          response: { 200: BookingSchema },
          errorCodes: ['resource.not_found', 'booking.already_cancelled'],
        },
        // No body schema: Fastify would validate an absent body as `undefined` and refuse it.
        preHandler: async (request) => {
          const problems = emptyBodyProblems(request.body);
          if (problems.length > 0) throw apiError('request.invalid', { details: problems });
        },
      },
      cancel,
    );
  };
}

/** The cancel body carries nothing: no body at all, or `{}`. */
function emptyBodyProblems(body: unknown): ErrorDetail[] {
  if (body === undefined) return [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [{ field: 'body', message: 'must be empty or {}' }];
  }
  return Object.keys(body).map((field) => ({ field, message: 'is not an accepted field' }));
}

function birthDateProblems(body: CreateBookingBody, now: number): ErrorDetail[] {
  return body.travellers.flatMap((traveller, index) =>
    dayNumber(traveller.birth_date) >= today(now)
      ? [{ field: `travellers.${index}.birth_date`, message: 'must be in the past' }]
      : [],
  );
}
