// Pricing is a pure function of the trip: these checks need no server and no clock. They walk every
// departure day of 2026 and 2027 so that no calendar day can reorder the cabins again (issue 10, item 1).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { priceTrip, type Trip } from '../../src/domain/quotes/pricing.ts';
import { CABINS } from '../../src/domain/quotes/schemas.ts';

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(2026, 0, 1);
const LAST_DAY = Date.UTC(2027, 11, 31);

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function* everyDeparture(): Generator<string> {
  for (let day = FIRST_DAY; day <= LAST_DAY; day += DAY_MS) yield isoDay(day);
}

function trip(departureDate: string, overrides: Partial<Trip> = {}): Trip {
  return {
    origin: 'CMN',
    destination: 'CDG',
    departureDate,
    returnDate: isoDay(Date.parse(departureDate) + 7 * DAY_MS),
    adults: 2,
    children: 1,
    cabin: 'economy',
    ...overrides,
  };
}

describe('pricing', () => {
  test('on every day of 2026 and 2027 each cabin costs strictly more than the one below it', () => {
    let days = 0;
    for (const departure of everyDeparture()) {
      for (const returnDate of [isoDay(Date.parse(departure) + 7 * DAY_MS), null]) {
        const cents = CABINS.map((cabin) => priceTrip(trip(departure, { cabin, returnDate })).cents);
        for (let i = 1; i < cents.length; i++) {
          assert.ok(
            (cents[i] ?? 0) > (cents[i - 1] ?? 0),
            `${departure} return ${returnDate}: ${CABINS[i]} ${cents[i]} <= ${CABINS[i - 1]} ${cents[i - 1]}`,
          );
        }
      }
      days++;
    }
    assert.equal(days, 730);
  });

  test('the cabin only multiplies the same base fare (165 %, 320 %, 550 % of economy)', () => {
    const oneAdult = (cabin: Trip['cabin']) =>
      priceTrip(trip('2027-01-28', { adults: 1, children: 0, returnDate: null, cabin })).cents;
    const economy = oneAdult('economy');
    const percentOf = (percent: number) => Math.floor((economy * percent + 50) / 100);
    assert.equal(oneAdult('premium_economy'), percentOf(165));
    assert.equal(oneAdult('business'), percentOf(320));
    assert.equal(oneAdult('first'), percentOf(550));
  });

  test('the trip the review reported (CMN→CDG 2027-01-28, 2 adults + 1 child) is ordered by cabin', () => {
    const amounts = CABINS.map((cabin) => Number(priceTrip(trip('2027-01-28', { cabin })).price.amount));
    assert.deepEqual(
      [...amounts].sort((x, y) => x - y),
      amounts,
    );
  });

  test('a child pays 75 % of an adult fare and the same trip always costs the same', () => {
    const adult = priceTrip(trip('2026-11-29', { adults: 1, children: 0 })).cents;
    const family = priceTrip(trip('2026-11-29', { adults: 2, children: 1 })).cents;
    assert.equal(family, 2 * adult + Math.floor((adult * 75 + 50) / 100));
    assert.deepEqual(priceTrip(trip('2026-11-29')), priceTrip(trip('2026-11-29')));
  });
});
