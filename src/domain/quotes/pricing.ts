// Deterministic pricing for the reference domain: the same trip always costs the same. A base adult fare
// is derived from a SHA-256 of the route and dates only; fixed multipliers (in percent) apply per cabin,
// for a return trip and for children. The cabin must never reach the hash: it would pick a different base
// per cabin, and the multipliers would no longer order the cabins (first could cost less than economy).
// All arithmetic is in integer cents.
import { createHash } from 'node:crypto';
import { centsToDecimal, type Money } from '../money.ts';
import type { Cabin } from './schemas.ts';

export const QUOTE_CURRENCY = 'EUR';
const BASE_FARE_MIN_CENTS = 4_900;
const BASE_FARE_SPREAD_CENTS = 40_000;
const CABIN_PERCENT: Record<Cabin, number> = {
  economy: 100,
  premium_economy: 165,
  business: 320,
  first: 550,
};
const RETURN_TRIP_PERCENT = 180;
const CHILD_PERCENT = 75;

export interface Trip {
  origin: string;
  destination: string;
  departureDate: string;
  returnDate: string | null;
  adults: number;
  children: number;
  cabin: Cabin;
}

export function priceTrip(trip: Trip): { cents: number; price: Money } {
  const cabinFare = percentOf(baseFareCents(trip), CABIN_PERCENT[trip.cabin]);
  const adultFare = trip.returnDate === null ? cabinFare : percentOf(cabinFare, RETURN_TRIP_PERCENT);
  const childFare = percentOf(adultFare, CHILD_PERCENT);
  const cents = trip.adults * adultFare + trip.children * childFare;
  return { cents, price: { amount: centsToDecimal(cents), currency: QUOTE_CURRENCY } };
}

/** The economy adult fare of one leg pair: from the route and dates, never the cabin or the passengers. */
function baseFareCents(trip: Trip): number {
  const route = [trip.origin, trip.destination, trip.departureDate, trip.returnDate ?? ''];
  const digest = createHash('sha256')
    .update(['v2', ...route].join('|'))
    .digest();
  return BASE_FARE_MIN_CENTS + (digest.readUInt32BE(0) % BASE_FARE_SPREAD_CENTS);
}

/** `cents × percent / 100`, rounded half up, in integers. */
function percentOf(cents: number, percent: number): number {
  return Math.floor((cents * percent + 50) / 100);
}
