import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestClock } from '../support/clock.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { createQuote, dateIn, tripBody } from './trips.ts';

const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;

function cents(amount: unknown): number {
  const match = /^(\d+)\.(\d{2})$/.exec(String(amount));
  assert.ok(match, `amount ${String(amount)} is a decimal string with two places`);
  return Number(match[1]) * 100 + Number(match[2]);
}

for (const target of databaseTargets()) {
  describe(`quotes (${target})`, () => {
    let h: Harness;
    // The server runs on a clock that starts at a fixed day; every date below is computed from it.
    const clock = new TestClock();
    before(async () => {
      h = await startHarness(target, { now: clock.now });
    });
    after(() => h?.close());

    test('POST /v1/quotes returns the quote with a price and a 15-minute expiry', async () => {
      const started = clock.now();
      const body = tripBody({ cabin: 'business' });
      const reply = await h.a.test.post('/v1/quotes', body);
      assert.equal(reply.status, 201, reply.text);
      const quote = reply.body;
      assert.match(String(quote.id), /^quo_[0-9A-Za-z]{23}$/);
      assert.deepEqual(Object.keys(quote).sort(), [
        'cabin',
        'created_at',
        'departure_date',
        'destination',
        'expires_at',
        'id',
        'origin',
        'passengers',
        'price',
        'return_date',
      ]);
      assert.equal(quote.origin, 'CMN');
      assert.equal(quote.destination, 'CDG');
      assert.equal(quote.departure_date, body.departure_date);
      assert.equal(quote.return_date, body.return_date);
      assert.deepEqual(quote.passengers, { adults: 2, children: 1 });
      assert.equal(quote.cabin, 'business');
      const price = quote.price as { amount: string; currency: string };
      assert.equal(price.currency, 'EUR');
      assert.ok(cents(price.amount) > 0);
      const created = Date.parse(String(quote.created_at));
      assert.ok(created >= started && created <= clock.now());
      assert.equal(Date.parse(String(quote.expires_at)) - created, FIFTEEN_MINUTES_MS);
    });

    test('cabin defaults to economy, children to 0, and a one-way trip has return_date null', async () => {
      const reply = await h.a.test.post('/v1/quotes', {
        origin: 'RAK',
        destination: 'LHR',
        departure_date: dateIn(3),
        passengers: { adults: 1 },
      });
      assert.equal(reply.status, 201, reply.text);
      assert.equal(reply.body.cabin, 'economy');
      assert.equal(reply.body.return_date, null);
      assert.deepEqual(reply.body.passengers, { adults: 1, children: 0 });
    });

    test('pricing is deterministic and uses fixed passenger and cabin multipliers', async () => {
      const trip = { departure_date: dateIn(60), return_date: dateIn(64) };
      const first = await createQuote(h.a.test, trip);
      const again = await createQuote(h.b.live, trip);
      assert.notEqual(first.id, again.id);
      assert.deepEqual(first.price, again.price, 'same trip, same price, whoever asks');

      const oneAdult = await createQuote(h.a.test, { ...trip, passengers: { adults: 1, children: 0 } });
      const adultFare = cents((oneAdult.price as { amount: string }).amount);
      const childFare = Math.floor((adultFare * 75 + 50) / 100);
      assert.equal(cents((first.price as { amount: string }).amount), 2 * adultFare + childFare);

      const business = await createQuote(h.a.test, { ...trip, cabin: 'business' });
      assert.ok(
        cents((business.price as { amount: string }).amount) >
          cents((first.price as { amount: string }).amount),
      );
    });

    test('GET /v1/quotes/{id} returns the stored quote', async () => {
      const quote = await createQuote(h.a.test);
      const reply = await h.a.test.get(`/v1/quotes/${quote.id}`);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, quote);
    });

    test('an unknown id and a malformed id are the same 404 resource.not_found', async () => {
      const unknown = await h.a.test.get('/v1/quotes/quo_0000000000000000000000A');
      const malformed = await h.a.test.get('/v1/quotes/not-an-id');
      for (const reply of [unknown, malformed]) {
        assert.equal(reply.status, 404);
        assert.equal(reply.body.code, 'resource.not_found');
        assert.deepEqual(Object.keys(reply.body).sort(), ['code', 'message', 'request_id']);
      }
      assert.equal(unknown.body.message, malformed.body.message);
    });

    const invalid: Array<[string, Record<string, unknown>, string]> = [
      ['a lowercase IATA code', { origin: 'cmn' }, 'origin'],
      ['a 4-letter IATA code', { destination: 'CDGX' }, 'destination'],
      ['the same origin and destination', { destination: 'CMN' }, 'destination'],
      ['a date that is not ISO', { departure_date: '17/05/2030' }, 'departure_date'],
      ['an impossible date', { departure_date: '2030-02-30' }, 'departure_date'],
      ['a departure in the past', { departure_date: dateIn(-1), return_date: dateIn(5) }, 'departure_date'],
      [
        'a departure beyond 365 days',
        { departure_date: dateIn(367), return_date: dateIn(370) },
        'departure_date',
      ],
      ['a return before departure', { return_date: dateIn(29) }, 'return_date'],
      ['no adult', { passengers: { adults: 0, children: 1 } }, 'passengers.adults'],
      ['9 children', { passengers: { adults: 1, children: 9 } }, 'passengers.children'],
      ['10 passengers in all', { passengers: { adults: 5, children: 5 } }, 'passengers'],
      ['a fractional passenger count', { passengers: { adults: 1.5, children: 0 } }, 'passengers.adults'],
      ['an unknown cabin', { cabin: 'luxury' }, 'cabin'],
      ['an unknown field', { promo: 'FREE' }, 'promo'],
      ['a missing origin', { origin: undefined }, 'origin'],
    ];
    for (const [name, change, field] of invalid) {
      test(`${name} is 400 request.invalid naming ${field}`, async () => {
        const reply = await h.a.test.post('/v1/quotes', tripBody(change));
        assert.equal(reply.status, 400, reply.text);
        assert.equal(reply.body.code, 'request.invalid');
        const details = reply.body.details as Array<{ field: string; message: string }>;
        assert.ok(
          details.some((d) => d.field === field),
          `details name ${field}: ${JSON.stringify(details)}`,
        );
      });
    }

    test('every offending field is reported at once', async () => {
      const reply = await h.a.test.post(
        '/v1/quotes',
        tripBody({ origin: 'cmn', destination: 'cdg', cabin: 'luxury', passengers: { adults: 0 } }),
      );
      assert.equal(reply.status, 400);
      const fields = (reply.body.details as Array<{ field: string }>).map((d) => d.field).sort();
      assert.deepEqual(fields, ['cabin', 'destination', 'origin', 'passengers.adults']);
    });
  });
}
