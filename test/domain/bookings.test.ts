import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PartnerClient, secretOf, send, signRequest } from '../support/client.ts';
import { TestClock } from '../support/clock.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { bookingBody, createBooking, createQuote, dateIn, travellers } from './trips.ts';

for (const target of databaseTargets()) {
  describe(`bookings (${target})`, () => {
    let h: Harness;
    // The server's clock, moved forward by tests that need a quote to expire; requests are signed with it.
    const clock = new TestClock();
    const at = () => ({ timestamp: Math.floor(clock.now() / 1000) });

    before(async () => {
      h = await startHarness(target, { now: clock.now });
    });
    after(() => h?.close());

    test('POST /v1/bookings books a quote at its price and shows only what the partner needs', async () => {
      const quote = await createQuote(h.a.test, {}, at());
      const reply = await h.a.test.post(
        '/v1/bookings',
        bookingBody(quote.id, 3, { reference: 'PNR_2024-001' }),
        at(),
      );
      assert.equal(reply.status, 201, reply.text);
      const booking = reply.body;
      assert.match(String(booking.id), /^bkg_[0-9A-Za-z]{23}$/);
      assert.deepEqual(Object.keys(booking).sort(), [
        'cancelled_at',
        'contact',
        'created_at',
        'id',
        'price',
        'quote_id',
        'reference',
        'status',
        'travellers',
      ]);
      assert.equal(booking.quote_id, quote.id);
      assert.equal(booking.status, 'confirmed');
      assert.deepEqual(booking.travellers, travellers(3));
      assert.deepEqual(booking.contact, { email: 'ops@partner.example' });
      assert.equal(booking.reference, 'PNR_2024-001');
      assert.deepEqual(booking.price, quote.price);
      assert.equal(booking.cancelled_at, null);
      assert.ok(!reply.text.includes(h.a.id), 'no partner id in the response');

      const fetched = await h.a.test.get(`/v1/bookings/${booking.id}`);
      assert.equal(fetched.status, 200);
      assert.deepEqual(fetched.body, booking);
    });

    test('the traveller count must match the quote: 400 naming travellers', async () => {
      const quote = await createQuote(h.a.test, {}, at());
      for (const count of [2, 4]) {
        const reply = await h.a.test.post('/v1/bookings', bookingBody(quote.id, count), at());
        assert.equal(reply.status, 400, reply.text);
        assert.equal(reply.body.code, 'request.invalid');
        assert.deepEqual(
          (reply.body.details as Array<{ field: string }>).map((d) => d.field),
          ['travellers'],
        );
      }
      assert.equal((await h.a.test.post('/v1/bookings', bookingBody(quote.id, 3), at())).status, 201);
    });

    const invalid: Array<[string, (quoteId: string) => unknown, string]> = [
      [
        'a birth date today',
        (q) => bookingBody(q, 3, { travellers: withTraveller({ birth_date: dateIn(0) }) }),
        'travellers.0.birth_date',
      ],
      [
        'a birth date in the future',
        (q) => bookingBody(q, 3, { travellers: withTraveller({ birth_date: dateIn(20) }) }),
        'travellers.0.birth_date',
      ],
      [
        'an empty first name',
        (q) => bookingBody(q, 3, { travellers: withTraveller({ first_name: '' }) }),
        'travellers.0.first_name',
      ],
      [
        'a 101-character last name',
        (q) => bookingBody(q, 3, { travellers: withTraveller({ last_name: 'x'.repeat(101) }) }),
        'travellers.0.last_name',
      ],
      [
        'a name with a control character',
        (q) => bookingBody(q, 3, { travellers: withTraveller({ last_name: 'a\nb' }) }),
        'travellers.0.last_name',
      ],
      ['an invalid email', (q) => bookingBody(q, 3, { contact: { email: 'not-an-email' } }), 'contact.email'],
      ['a reference with a space', (q) => bookingBody(q, 3, { reference: 'PNR 1' }), 'reference'],
      ['a 65-character reference', (q) => bookingBody(q, 3, { reference: 'r'.repeat(65) }), 'reference'],
      ['no travellers', (q) => bookingBody(q, 3, { travellers: [] }), 'travellers'],
      ['a missing contact', (q) => ({ quote_id: q, travellers: travellers(3) }), 'contact'],
      [
        'an unknown traveller field',
        (q) => bookingBody(q, 3, { travellers: withTraveller({ passport: 'X1' }) }),
        'travellers.0.passport',
      ],
    ];
    for (const [name, makeBody, field] of invalid) {
      test(`${name} is 400 request.invalid naming ${field}`, async () => {
        const quote = await createQuote(h.a.test, {}, at());
        const reply = await h.a.test.post('/v1/bookings', makeBody(quote.id), at());
        assert.equal(reply.status, 400, reply.text);
        assert.equal(reply.body.code, 'request.invalid');
        const fields = (reply.body.details as Array<{ field: string }>).map((d) => d.field);
        assert.ok(fields.includes(field), `details name ${field}: ${JSON.stringify(fields)}`);
      });
    }

    test('an unknown or malformed quote id is 404 resource.not_found', async () => {
      for (const quoteId of ['quo_0000000000000000000000A', 'nonsense']) {
        const reply = await h.a.test.post('/v1/bookings', bookingBody(quoteId), at());
        assert.equal(reply.status, 404);
        assert.equal(reply.body.code, 'resource.not_found');
      }
    });

    test('a quote is booked once: the second booking is 409 quote.already_booked', async () => {
      const quote = await createQuote(h.a.test, {}, at());
      assert.equal((await h.a.test.post('/v1/bookings', bookingBody(quote.id), at())).status, 201);
      const again = await h.a.test.post(
        '/v1/bookings',
        bookingBody(quote.id, 3, { reference: 'second' }),
        at(),
      );
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'quote.already_booked');
    });

    test('racing bookings of one quote under different keys: exactly one wins, the rest are already_booked', async () => {
      const quote = await createQuote(h.a.test, {}, at());
      const replies = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          h.a.test.post('/v1/bookings', bookingBody(quote.id, 3, { reference: `race-${i}` }), at()),
        ),
      );
      const statuses = replies.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
      for (const reply of replies.filter((r) => r.status === 409))
        assert.equal(reply.body.code, 'quote.already_booked');
      const rows = await h.database.db.query('SELECT id FROM bookings WHERE quote_id = $1', [quote.id]);
      assert.equal(rows.length, 1);
    });

    test('a quote expires 15 minutes after creation: booking it then is 409 quote.expired', async () => {
      const quote = await createQuote(h.a.test, {}, at());
      clock.advance(15 * 60 * 1000);
      try {
        const reply = await h.a.test.post('/v1/bookings', bookingBody(quote.id), at());
        assert.equal(reply.status, 409, reply.text);
        assert.equal(reply.body.code, 'quote.expired');
      } finally {
        clock.advance(-(15 * 60 * 1000));
      }
      const justBefore = await createQuote(h.a.test, {}, at());
      clock.advance(15 * 60 * 1000 - 2000);
      try {
        assert.equal((await h.a.test.post('/v1/bookings', bookingBody(justBefore.id), at())).status, 201);
      } finally {
        clock.advance(-(15 * 60 * 1000 - 2000));
      }
    });

    test('GET /v1/bookings pages newest first with starting_after and has_more', async () => {
      // A fresh partner keeps this list to its own five bookings.
      const partner = await h.admin('POST', '/admin/v1/partners', { name: 'Paging Partner' });
      const key = await h.createKey(String(partner.body.id), 'test');
      const pager = new PartnerClient(h.baseUrl, key.key, h.now);
      const created: string[] = [];
      for (let i = 0; i < 5; i++) created.push((await createBooking(pager, at())).id);
      const newestFirst = [...created].reverse();

      const first = await pager.get('/v1/bookings?limit=2');
      assert.equal(first.status, 200);
      assert.deepEqual(ids(first.body.data), newestFirst.slice(0, 2));
      assert.equal(first.body.has_more, true);
      const second = await pager.get(`/v1/bookings?limit=2&starting_after=${newestFirst[1]}`);
      assert.deepEqual(ids(second.body.data), newestFirst.slice(2, 4));
      assert.equal(second.body.has_more, true);
      const last = await pager.get(`/v1/bookings?limit=2&starting_after=${newestFirst[3]}`);
      assert.deepEqual(ids(last.body.data), newestFirst.slice(4));
      assert.equal(last.body.has_more, false);

      const all = await pager.get('/v1/bookings');
      assert.deepEqual(ids(all.body.data), newestFirst);
      assert.equal(all.body.has_more, false);
    });

    test('limit outside 1-100 and unknown query fields are 400; an unknown cursor is 404', async () => {
      for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=x']) {
        const reply = await h.a.test.get(`/v1/bookings?${query}`);
        assert.equal(reply.status, 400, query);
        assert.equal(reply.body.code, 'request.invalid');
      }
      assert.equal((await h.a.test.get('/v1/bookings?limit=100')).status, 200);
      for (const cursor of ['bkg_0000000000000000000000A', 'garbage']) {
        const reply = await h.a.test.get(`/v1/bookings?starting_after=${cursor}`);
        assert.equal(reply.status, 404);
        assert.equal(reply.body.code, 'resource.not_found');
      }
    });

    test('cancel: status cancelled with cancelled_at; twice is 409 booking.already_cancelled', async () => {
      const booking = await createBooking(h.a.test, at());
      const reply = await h.a.test.post(`/v1/bookings/${booking.id}/cancel`, {}, at());
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.status, 'cancelled');
      assert.ok(Date.parse(String(reply.body.cancelled_at)) >= Date.parse(String(booking.created_at)));
      assert.deepEqual({ ...reply.body, status: 'confirmed', cancelled_at: null }, booking);
      assert.deepEqual((await h.a.test.get(`/v1/bookings/${booking.id}`)).body, reply.body);

      // Signed a second later: the same bytes in the same second under a new key would be a replay.
      clock.advance(1000);
      const twice = await h.a.test.post(`/v1/bookings/${booking.id}/cancel`, {}, at());
      assert.equal(twice.status, 409);
      assert.equal(twice.body.code, 'booking.already_cancelled');
    });

    test('cancel accepts a request with no body at all, signed over the empty body', async () => {
      const booking = await createBooking(h.a.test, at());
      const path = `/v1/bookings/${booking.id}/cancel`;
      const timestamp = Math.floor(clock.now() / 1000);
      const signature = signRequest({
        secret: secretOf(h.a.keys.test.key),
        method: 'POST',
        path,
        body: '',
        timestamp,
      });
      const reply = await send(h.baseUrl, path, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${h.a.keys.test.key}`,
          'idempotency-key': randomUUID(),
          'x-timestamp': String(timestamp),
          'x-signature': signature,
        },
      });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.status, 'cancelled');
    });

    test('cancel with a non-empty body is 400; an unknown booking is 404', async () => {
      const booking = await createBooking(h.a.test, at());
      const withBody = await h.a.test.post(`/v1/bookings/${booking.id}/cancel`, { reason: 'x' }, at());
      assert.equal(withBody.status, 400);
      assert.equal(withBody.body.code, 'request.invalid');
      for (const id of ['bkg_0000000000000000000000A', 'nope']) {
        const reply = await h.a.test.post(`/v1/bookings/${id}/cancel`, {}, at());
        assert.equal(reply.status, 404);
        assert.equal(reply.body.code, 'resource.not_found');
      }
    });
  });
}

function ids(data: unknown): string[] {
  return (data as Array<{ id: string }>).map((b) => b.id);
}

function withTraveller(change: Record<string, unknown>) {
  const [first, ...rest] = travellers(3);
  return [{ ...first, ...change }, ...rest];
}
