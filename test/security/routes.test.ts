// The shared security suite (issue 10, item 11). It walks the server's real route table, so a route added
// tomorrow is covered without anyone listing it here, and sends every route the attacks a partner API must
// refuse: no key, a bad key, the other environment's key, another partner's id, a bad signature and a
// missing Idempotency-Key. An admin route gets no token, a wrong token and a partner's key.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RegisteredRoute } from '../../src/http/route-table.ts';
import { createBooking, createQuote } from '../domain/trips.ts';
import { PartnerClient, type Reply, send } from '../support/client.ts';
import { TestClock } from '../support/clock.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

/** Routes under /v1 and /admin that anyone may call, each on purpose. Adding one here is a review point. */
const PUBLIC_ON_PURPOSE = ['GET /v1/openapi.json', 'GET /admin/v1/metrics'];

function expectCode(reply: Reply, status: number, code: string, what: string): void {
  assert.equal(reply.status, status, `${what}: ${reply.text}`);
  assert.equal(reply.body.code, code, `${what}: ${reply.text}`);
}

for (const target of databaseTargets()) {
  describe(`every route refuses what it must (${target})`, () => {
    let h: Harness;
    const clock = new TestClock();
    // Partner B's resources, by the path they live under: partner A's key must never reach them.
    const othersIds = new Map<string, string>();
    let routes: RegisteredRoute[] = [];

    before(async () => {
      h = await startHarness(target, {
        now: clock.now,
        // The suite sends many failures from one address; throttling them is tested elsewhere.
        env: { TESSERA_AUTH_FAILURE_LIMIT: '100000', TESSERA_RATE_LIMIT_PER_MINUTE: '100000' },
      });
      const booking = await createBooking(h.b.test);
      othersIds.set('/v1/quotes/', booking.quote_id);
      othersIds.set('/v1/bookings/', booking.id);
      const [event] = await h.tessera.db.query<{ id: string }>(
        "SELECT id FROM audit_events WHERE partner_id = $1 AND environment = 'test' LIMIT 1",
        [h.b.id],
      );
      assert.ok(event, "partner B's booking left audit events");
      othersIds.set('/v1/audit-events/', event.id);
      routes = h.tessera.app.routeTable.routes().filter((r) => r.method !== 'HEAD' && isApi(r.url));
    });
    after(() => h?.close());

    const partnerRoutes = () =>
      routes.filter((r) => r.security?.kind === 'read' || r.security?.kind === 'signedWrite');
    const concrete = (route: RegisteredRoute) => {
      if (!route.url.includes(':')) return route.url;
      const prefix = [...othersIds.keys()].find((p) => route.url.startsWith(p));
      const id = prefix === undefined ? undefined : othersIds.get(prefix);
      assert.ok(id, `the suite does not know whose resource ${route.url} names: add it to othersIds`);
      return route.url.replace(/:[A-Za-z_]+/g, id);
    };
    const call = (client: PartnerClient | undefined, route: RegisteredRoute, options = {}) => {
      const path = concrete(route);
      if (client === undefined) return send(h.baseUrl, path, { method: route.method });
      if (route.method === 'GET') return client.get(path);
      return client.write(route.method, path, {}, options);
    };

    test('the table holds the partner and admin routes, and every other one is public on purpose', () => {
      assert.ok(partnerRoutes().length >= 6, `${partnerRoutes().length} partner routes`);
      assert.ok(routes.some((r) => r.security?.kind === 'admin'));
      const publicOnes = routes
        .filter((r) => r.security?.kind === 'public')
        .map((r) => `${r.method} ${r.url}`);
      assert.deepEqual(
        publicOnes.filter((r) => !PUBLIC_ON_PURPOSE.includes(r)),
        [],
      );
    });

    test('no key is 401 auth.api_key.missing on every partner route', async () => {
      for (const route of partnerRoutes())
        expectCode(await call(undefined, route), 401, 'auth.api_key.missing', `${route.method} ${route.url}`);
    });

    test('a wrong secret and an unknown prefix are 401 auth.api_key.invalid on every partner route', async () => {
      const wrongSecret = new PartnerClient(
        h.baseUrl,
        `sk_test_${h.a.keys.test.prefix}_${'Z'.repeat(48)}`,
        h.now,
      );
      const unknownPrefix = new PartnerClient(h.baseUrl, `sk_test_ZZZZZZZZ_${'Z'.repeat(48)}`, h.now);
      for (const route of partnerRoutes()) {
        for (const client of [wrongSecret, unknownPrefix])
          expectCode(await call(client, route), 401, 'auth.api_key.invalid', `${route.method} ${route.url}`);
      }
    });

    test("the other environment's key is 401 auth.api_key.invalid on every partner route", async () => {
      // A live key presented as a test key: the same prefix and secret, the other environment.
      const [, , prefix, secret] = h.a.keys.live.key.split('_');
      const crossed = new PartnerClient(h.baseUrl, `sk_test_${prefix}_${secret}`, h.now);
      for (const route of partnerRoutes())
        expectCode(await call(crossed, route), 401, 'auth.api_key.invalid', `${route.method} ${route.url}`);
    });

    test("another partner's id is 404 resource.not_found on every partner route that names one", async () => {
      const naming = partnerRoutes().filter((r) => r.url.includes(':'));
      assert.ok(naming.length >= 3);
      for (const route of naming)
        expectCode(await call(h.a.test, route), 404, 'resource.not_found', `${route.method} ${route.url}`);
    });

    test('a bad signature is 401 auth.signature.invalid on every signed write', async () => {
      for (const route of partnerRoutes().filter((r) => r.security?.kind === 'signedWrite')) {
        const reply = await call(h.a.test, route, { signature: 'ab'.repeat(32) });
        expectCode(reply, 401, 'auth.signature.invalid', `${route.method} ${route.url}`);
      }
    });

    test('a missing Idempotency-Key is 400 idempotency.key.required on every signed write', async () => {
      for (const route of partnerRoutes().filter((r) => r.security?.kind === 'signedWrite')) {
        const reply = await call(h.a.test, route, { idempotencyKey: null });
        expectCode(reply, 400, 'idempotency.key.required', `${route.method} ${route.url}`);
      }
    });

    test('no token, a wrong token and a partner key are refused on every admin route', async () => {
      const admin = routes.filter((r) => r.security?.kind === 'admin');
      for (const route of admin) {
        const path = route.url.replace(/:[A-Za-z_]+/g, 'ptn_0000000000000000000000A');
        const what = `${route.method} ${route.url}`;
        const as = (authorization?: string) =>
          send(h.baseUrl, path, { method: route.method, headers: authorization ? { authorization } : {} });
        expectCode(await as(), 401, 'admin.token.missing', what);
        expectCode(await as(`Bearer ${'x'.repeat(40)}`), 401, 'admin.token.invalid', what);
        expectCode(await as(`Bearer ${h.a.keys.live.key}`), 401, 'admin.token.invalid', what);
      }
    });

    test('a quote of our own is still reachable: the suite is refusing attacks, not everything', async () => {
      const quote = await createQuote(h.a.test, {}, { idempotencyKey: randomUUID() });
      assert.equal((await h.a.test.get(`/v1/quotes/${quote.id}`)).status, 200);
    });
  });
}

function isApi(url: string): boolean {
  return url.startsWith('/v1/') || url.startsWith('/admin/');
}
