// Shared fixtures for the domain and write-safety tests: a valid trip, its travellers, and helpers that
// quote and book through the real signed API.
import assert from 'node:assert/strict';
import type { PartnerClient, WriteOptions } from '../support/client.ts';
import { FIXED_NOW } from '../support/clock.ts';

const DAY_MS = 86_400_000;

/** A calendar date (UTC) `days` from `now`: by default from the fixed test clock, never the wall clock. */
export function dateIn(days: number, now: number = FIXED_NOW): string {
  return new Date(now + days * DAY_MS).toISOString().slice(0, 10);
}

export function tripBody(overrides: Record<string, unknown> = {}, now: number = FIXED_NOW) {
  return {
    origin: 'CMN',
    destination: 'CDG',
    departure_date: dateIn(30, now),
    return_date: dateIn(37, now),
    passengers: { adults: 2, children: 1 },
    cabin: 'economy',
    ...overrides,
  };
}

export function travellers(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    first_name: `Traveller${i + 1}`,
    last_name: 'Benali',
    birth_date: `19${80 + i}-0${(i % 9) + 1}-15`,
  }));
}

export function bookingBody(quoteId: string, count = 3, overrides: Record<string, unknown> = {}) {
  return {
    quote_id: quoteId,
    travellers: travellers(count),
    contact: { email: 'ops@partner.example' },
    ...overrides,
  };
}

// Two identical signed requests in the same second carry the same signature, which the server rightly
// refuses as a replay under a new Idempotency-Key; so each fixture quote is for a different departure day.
let serial = 0;

export function uniqueTrip(now: number = FIXED_NOW): { departure_date: string; return_date: string } {
  const day = 10 + (serial++ % 300);
  return { departure_date: dateIn(day, now), return_date: dateIn(day + 7, now) };
}

export async function createQuote(
  client: PartnerClient,
  overrides: Record<string, unknown> = {},
  options: WriteOptions = {},
): Promise<Record<string, unknown> & { id: string }> {
  // Dates relative to the clock the client signs with, which is the server's.
  const now = client.now();
  const reply = await client.post('/v1/quotes', tripBody({ ...uniqueTrip(now), ...overrides }, now), options);
  assert.equal(reply.status, 201, reply.text);
  return reply.body as Record<string, unknown> & { id: string };
}

export async function createBooking(
  client: PartnerClient,
  options: WriteOptions = {},
): Promise<Record<string, unknown> & { id: string; quote_id: string }> {
  const quote = await createQuote(client, {}, options);
  const reply = await client.post('/v1/bookings', bookingBody(quote.id), options);
  assert.equal(reply.status, 201, reply.text);
  return reply.body as Record<string, unknown> & { id: string; quote_id: string };
}
