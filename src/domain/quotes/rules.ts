// The checks on a quote request that a JSON Schema cannot express. They run before the write transaction,
// like schema validation, so a rejected request does not use up its Idempotency-Key.
import type { ErrorDetail } from '../../errors.ts';
import { dayNumber, today } from '../calendar.ts';
import type { CreateQuoteBody } from './schemas.ts';

export const BOOKING_HORIZON_DAYS = 365;
export const MAX_PASSENGERS = 9;

export function quoteRequestProblems(body: CreateQuoteBody, now: number): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (body.origin === body.destination)
    problems.push({ field: 'destination', message: 'must differ from origin' });
  const departure = dayNumber(body.departure_date);
  if (departure < today(now)) problems.push({ field: 'departure_date', message: 'must not be in the past' });
  if (departure > today(now) + BOOKING_HORIZON_DAYS) {
    problems.push({ field: 'departure_date', message: `must be within ${BOOKING_HORIZON_DAYS} days` });
  }
  if (body.return_date !== undefined && dayNumber(body.return_date) < departure) {
    problems.push({ field: 'return_date', message: 'must be on or after departure_date' });
  }
  if (body.passengers.adults + (body.passengers.children ?? 0) > MAX_PASSENGERS) {
    problems.push({ field: 'passengers', message: `must total at most ${MAX_PASSENGERS}` });
  }
  return problems;
}
