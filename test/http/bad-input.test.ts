// Bad input is a 400 naming the field or the id's 404, never a 500 (issue 10, item 7): control characters
// (a NUL cannot even be stored in PostgreSQL text) in free text, ids and cursors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bookingBody, createQuote, travellers } from '../domain/trips.ts';
import type { Reply } from '../support/client.ts';
import { TestClock } from '../support/clock.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const BAD_TEXT: Array<[string, string]> = [
  ['a NUL byte', 'Acme\u0000Bank'],
  ['a bell', 'Acme\u0007Bank'],
  ['an escape sequence', 'Acme\u001b[31mBank'],
  ['a line feed', 'Acme\nBank'],
  ['a C1 control', 'Acme\u0085Bank'],
  ['a lone surrogate', 'Acme\ud800Bank'],
  ['only spaces', '   '],
];

function assertInvalid(reply: Reply, field: string): void {
  assert.equal(reply.status, 400, reply.text);
  assert.equal(reply.body.code, 'request.invalid');
  const details = reply.body.details as Array<{ field: string }>;
  assert.ok(
    details.some((d) => d.field === field),
    `details name ${field}: ${JSON.stringify(details)}`,
  );
}

for (const target of databaseTargets()) {
  describe(`bad input is never a 500 (${target})`, () => {
    let h: Harness;
    const clock = new TestClock();
    before(async () => {
      h = await startHarness(target, { now: clock.now });
    });
    after(() => h?.close());

    for (const [name, text] of BAD_TEXT) {
      test(`a partner name with ${name} is 400 request.invalid naming name`, async () => {
        assertInvalid(await h.admin('POST', '/admin/v1/partners', { name: text }), 'name');
      });
      test(`a key name with ${name} is 400 request.invalid naming name`, async () => {
        const reply = await h.admin('POST', `/admin/v1/partners/${h.a.id}/keys`, {
          environment: 'test',
          name: text,
        });
        assertInvalid(reply, 'name');
      });
      test(`a traveller name with ${name} is 400 request.invalid naming it`, async () => {
        const quote = await createQuote(h.a.test);
        const [first, ...rest] = travellers(3);
        const body = bookingBody(quote.id, 3, { travellers: [{ ...first, last_name: text }, ...rest] });
        assertInvalid(await h.a.test.post('/v1/bookings', body), 'travellers.0.last_name');
      });
    }

    test('a name with letters of any script and an emoji is accepted', async () => {
      const reply = await h.admin('POST', '/admin/v1/partners', { name: 'Société Générale 東京 🚀' });
      assert.equal(reply.status, 201, reply.text);
      assert.equal(reply.body.name, 'Société Générale 東京 🚀');
    });

    test('a NUL in a quote id of a booking is 400 or 404, not 500', async () => {
      const reply = await h.a.test.post('/v1/bookings', bookingBody('quo_\u0000', 3));
      assert.ok([400, 404].includes(reply.status), reply.text);
    });

    test('a NUL in a path id or a list cursor is 404 resource.not_found', async () => {
      for (const path of [
        '/v1/quotes/quo_%00',
        '/v1/bookings/bkg_%00',
        '/v1/bookings?starting_after=bkg_%00',
      ]) {
        const reply = await h.a.test.get(path);
        assert.equal(reply.status, 404, `${path}: ${reply.text}`);
        assert.equal(reply.body.code, 'resource.not_found');
      }
      const admin = await h.admin('GET', '/admin/v1/partners/ptn_%00');
      assert.ok([400, 404].includes(admin.status), admin.text);
    });
  });
}
