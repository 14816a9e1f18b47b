import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Environment } from '../src/db/database.ts';
import { bookingBody, createBooking, createQuote } from './domain/trips.ts';
import { PartnerClient, type Reply } from './support/client.ts';
import { databaseTargets } from './support/database.ts';
import { type Harness, startHarness } from './support/harness.ts';

interface Tenant {
  name: string;
  partnerId: string;
  environment: Environment;
  client: PartnerClient;
  /** A confirmed booking, and a quote nobody has booked. */
  booking: { id: string; quote_id: string };
  freeQuote: { id: string };
}

function assertNotFound(reply: Reply, what: string): void {
  assert.equal(reply.status, 404, `${what}: ${reply.text}`);
  assert.deepEqual(Object.keys(reply.body).sort(), ['code', 'message', 'request_id'], what);
  assert.equal(reply.body.code, 'resource.not_found', what);
  assert.equal(reply.body.message, 'The resource does not exist.', what);
}

for (const target of databaseTargets()) {
  describe(`partner and environment isolation (${target})`, () => {
    let h: Harness;
    const tenants: Tenant[] = [];

    before(async () => {
      h = await startHarness(target);
      for (const [name, partner] of [
        ['A', h.a],
        ['B', h.b],
      ] as const) {
        for (const environment of ['test', 'live'] as const) {
          const client = partner[environment];
          const booking = await createBooking(client);
          const freeQuote = await createQuote(client);
          tenants.push({
            name: `${name}/${environment}`,
            partnerId: partner.id,
            environment,
            client,
            booking,
            freeQuote,
          });
        }
      }
    });
    after(() => h?.close());

    test("another tenant's quotes and bookings are 404 in reads, lists and writes, like unknown ids", async () => {
      for (const viewer of tenants) {
        const list = await viewer.client.get('/v1/bookings?limit=100');
        assert.equal(list.status, 200);
        const listed = (list.body.data as Array<{ id: string }>).map((b) => b.id);
        assert.deepEqual(listed, [viewer.booking.id], `${viewer.name} lists only its own booking`);

        for (const owner of tenants.filter((t) => t !== viewer)) {
          const pair = `${viewer.name} -> ${owner.name}`;
          assertNotFound(await viewer.client.get(`/v1/quotes/${owner.freeQuote.id}`), `${pair} GET quote`);
          assertNotFound(await viewer.client.get(`/v1/bookings/${owner.booking.id}`), `${pair} GET booking`);
          assertNotFound(
            await viewer.client.get(`/v1/bookings?starting_after=${owner.booking.id}`),
            `${pair} list after their booking`,
          );
          assertNotFound(
            await viewer.client.post('/v1/bookings', bookingBody(owner.freeQuote.id)),
            `${pair} book their quote`,
          );
          assertNotFound(
            await viewer.client.post(`/v1/bookings/${owner.booking.id}/cancel`, {}),
            `${pair} cancel their booking`,
          );
        }
      }
      for (const owner of tenants) {
        const mine = await owner.client.get(`/v1/bookings/${owner.booking.id}`);
        assert.equal(
          mine.body.status,
          'confirmed',
          `${owner.name}'s booking was not cancelled by anyone else`,
        );
        const free = await owner.client.post('/v1/bookings', bookingBody(owner.freeQuote.id));
        assert.equal(free.status, 201, `${owner.name}'s quote was not booked by anyone else`);
      }
    });

    test('row-level security: a scoped query without any WHERE clause sees only its own rows', async () => {
      const db = h.tessera.db;
      for (const tenant of tenants) {
        const scope = { partnerId: tenant.partnerId, environment: tenant.environment };
        const expected = async (table: string) =>
          (
            await db.query<{ id: string }>(
              `SELECT id FROM ${table} WHERE partner_id = $1 AND environment = $2 ORDER BY id`,
              [tenant.partnerId, tenant.environment],
            )
          ).map((r) => r.id);
        for (const table of ['bookings', 'quotes']) {
          const seen = await db.scoped(scope, (tx) =>
            tx.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`),
          );
          assert.deepEqual(
            seen.map((r) => r.id),
            await expected(table),
            `${tenant.name} ${table}`,
          );
          assert.ok(seen.length > 0);
        }
        const others = tenants.filter((t) => t !== tenant).map((t) => t.booking.id);
        const touched = await db.scoped(scope, (tx) =>
          tx.query(`UPDATE bookings SET status = 'cancelled' WHERE id = ANY($1::text[]) RETURNING id`, [
            others,
          ]),
        );
        assert.deepEqual(touched, [], `${tenant.name} cannot update another tenant's bookings`);
      }
    });

    test("row-level security refuses writing a row into another tenant's scope", async () => {
      const [a, b] = [tenants[0], tenants[2]];
      assert.ok(a && b && a.partnerId !== b.partnerId);
      await assert.rejects(
        h.tessera.db.scoped({ partnerId: a.partnerId, environment: 'test' }, (tx) =>
          tx.query(
            `INSERT INTO quotes (id, partner_id, environment, origin, destination, departure_date, adults, children,
               cabin, amount, currency, created_at, expires_at)
             VALUES ('quo_forged', $1, 'test', 'CMN', 'CDG', '2030-01-01', 1, 0, 'economy', 1, 'EUR', now(), now())`,
            [b.partnerId],
          ),
        ),
        /row-level security/,
      );
      const [role] = await h.tessera.db.scoped({ partnerId: a.partnerId, environment: 'test' }, (tx) =>
        tx.query<{ current_user: string; rolbypassrls: boolean }>(
          'SELECT current_user, rolbypassrls FROM pg_roles WHERE rolname = current_user',
        ),
      );
      assert.deepEqual(role, { current_user: 'tessera_app', rolbypassrls: false });
    });

    test('a key without the scope for a route is 403 auth.permission.denied', async () => {
      const own = tenants[0];
      assert.ok(own);
      const quotesReadOnly = new PartnerClient(
        h.baseUrl,
        (await h.createKey(own.partnerId, 'test', { scopes: ['quotes:read'] })).key,
      );
      assert.equal((await quotesReadOnly.get(`/v1/quotes/${own.freeQuote.id}`)).status, 200);
      const denied = [
        await quotesReadOnly.post('/v1/quotes', { origin: 'CMN' }),
        await quotesReadOnly.get('/v1/bookings'),
        await quotesReadOnly.get(`/v1/bookings/${own.booking.id}`),
        await quotesReadOnly.post('/v1/bookings', bookingBody(own.freeQuote.id)),
        await quotesReadOnly.post(`/v1/bookings/${own.booking.id}/cancel`, {}),
      ];
      for (const reply of denied) {
        assert.equal(reply.status, 403, reply.text);
        assert.equal(reply.body.code, 'auth.permission.denied');
      }

      const bookingsReader = new PartnerClient(
        h.baseUrl,
        (await h.createKey(own.partnerId, 'test', { scopes: ['bookings:read', 'quotes:write'] })).key,
      );
      assert.equal((await bookingsReader.get(`/v1/bookings/${own.booking.id}`)).status, 200);
      assert.equal(
        (await bookingsReader.get(`/v1/quotes/${own.freeQuote.id}`)).body.code,
        'auth.permission.denied',
      );
      assert.equal((await createQuote(bookingsReader)).id.startsWith('quo_'), true);
      const cannotCancel = await bookingsReader.post(`/v1/bookings/${own.booking.id}/cancel`, {});
      assert.equal(cannotCancel.body.code, 'auth.permission.denied');
      assert.equal((await own.client.get(`/v1/bookings/${own.booking.id}`)).body.status, 'confirmed');
    });
  });
}
