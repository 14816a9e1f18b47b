import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AllowlistCache } from '../../src/allowlist/allowlist-cache.ts';
import type { Database } from '../../src/db/database.ts';
import { compileCidrs } from '../../src/net/cidr.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

describe('CIDR matching', () => {
  test('IPv4, IPv6 and IPv4-mapped IPv6', () => {
    const matcher = compileCidrs(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
    assert.ok(matcher.matches('10.200.3.4'));
    assert.ok(!matcher.matches('11.0.0.1'));
    assert.ok(matcher.matches('2001:db8:1::5'));
    assert.ok(!matcher.matches('2001:db9::1'));
    assert.ok(matcher.matches('::ffff:10.1.2.3'), 'a mapped IPv4 address matches its IPv4 range');
    assert.ok(matcher.matches('192.0.2.7'));
    assert.ok(!matcher.matches('192.0.2.8'));
    assert.ok(!matcher.matches('not-an-ip'));
  });

  test('a bad CIDR fails when the list is compiled, not per request', () => {
    assert.throws(() => compileCidrs(['10.0.0.0/33']));
    assert.throws(() => compileCidrs(['300.1.1.1/8']));
    assert.throws(() => compileCidrs(['::1/129']));
  });
});

describe('allowlist cache', () => {
  test('a list read before a change notice serves its own request but is not cached past the change', async () => {
    let stored = [{ environment: null, cidr: '192.0.2.0/24', note: '' }];
    let releaseFirstRead: (() => void) | undefined;
    const firstReadHeld = new Promise<void>((resolve) => {
      releaseFirstRead = resolve;
    });
    let reads = 0;
    const db = {
      query: async () => {
        const rows = stored;
        if (reads++ === 0) await firstReadHeld;
        return rows;
      },
    } as unknown as Database;
    const cache = new AllowlistCache(db);
    const loading = cache.isAllowed('ptn_a', 'live', '192.0.2.9');
    // The list changes while the first read is in flight, and the change notice arrives before it ends.
    stored = [{ environment: null, cidr: '198.51.100.0/24', note: '' }];
    cache.subscriber().onChange('ptn_a');
    releaseFirstRead?.();
    assert.equal(await loading, true, 'the request that read the old list is judged by it');
    assert.equal(await cache.isAllowed('ptn_a', 'live', '192.0.2.9'), false, 'the old list was not cached');
    assert.equal(await cache.isAllowed('ptn_a', 'live', '198.51.100.1'), true);
    assert.equal(reads, 2, 'the new list is cached');
    assert.equal(await cache.isAllowed('ptn_a', 'live', '198.51.100.1'), true);
    assert.equal(reads, 2);
  });
});

for (const target of databaseTargets()) {
  describe(`per-partner IP allowlists (${target})`, () => {
    let h: Harness;
    let proxied: Harness;
    before(async () => {
      h = await startHarness(target);
      // A second node that trusts loopback as its TLS-terminating proxy, so X-Forwarded-For is believed.
      proxied = await startHarness(target, {
        database: h.database,
        env: { TESSERA_TRUSTED_PROXIES: '127.0.0.1/32' },
      });
    });
    after(async () => {
      await proxied?.close();
      await h?.close();
    });

    async function setAllowlist(partnerId: string, environment: string | null, cidrs: string[]) {
      const reply = await h.admin('PUT', `/admin/v1/partners/${partnerId}/allowlist`, {
        environment,
        entries: cidrs.map((cidr) => ({ cidr })),
      });
      assert.equal(reply.status, 200, reply.text);
      return reply;
    }

    test('a request from outside the list is 403 auth.ip.forbidden; inside passes', async () => {
      await setAllowlist(h.a.id, 'live', ['10.0.0.0/8']);
      const refused = await h.a.live.get('/v1/me');
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, 'auth.ip.forbidden');
      assert.equal((await h.a.test.get('/v1/me')).status, 200, 'the test environment has no list');
      await setAllowlist(h.a.id, 'live', ['10.0.0.0/8', '127.0.0.0/8']);
      assert.equal((await h.a.live.get('/v1/me')).status, 200);
      await setAllowlist(h.a.id, 'live', []);
    });

    test('a spoofed X-Forwarded-For from an untrusted peer is ignored', async () => {
      await setAllowlist(h.b.id, null, ['203.0.113.0/24']);
      const spoofed = await h.b.live.get('/v1/me', { 'x-forwarded-for': '203.0.113.9' });
      assert.equal(spoofed.status, 403);
      assert.equal(spoofed.body.code, 'auth.ip.forbidden');
    });

    test('behind a trusted proxy, the forwarded IPv4, IPv6 and mapped IPv4 client is checked', async () => {
      await setAllowlist(h.b.id, null, ['203.0.113.0/24', '2001:db8::/32']);
      const via = (ip: string) =>
        fetch(`${proxied.baseUrl}/v1/me`, {
          headers: {
            authorization: `Bearer ${h.b.keys.live.key}`,
            'x-forwarded-for': ip,
            'x-forwarded-proto': 'https',
          },
        }).then((r) => r.status);
      assert.equal(await via('203.0.113.9'), 200);
      assert.equal(await via('2001:db8::42'), 200);
      assert.equal(await via('::ffff:203.0.113.10'), 200);
      assert.equal(await via('198.51.100.1'), 403);
      assert.equal(await via('2001:db9::1'), 403);
      await setAllowlist(h.b.id, null, []);
    });

    test('the admin API rejects a CIDR that is not one, host bits, zone indexes and a silent /0', async () => {
      const put = (entries: Array<{ cidr: string }>, extra: Record<string, unknown> = {}) =>
        h.admin('PUT', `/admin/v1/partners/${h.a.id}/allowlist`, { environment: 'test', entries, ...extra });
      for (const [cidr, message] of [
        ['10.0.0.0/40', /prefix length over 32/],
        ['10.1.2.3/8', /the network would be 10\.0\.0\.0\/8/],
        ['1.2.3.4/0', /the network would be 0\.0\.0\.0\/0/],
        ['2001:db8::1/32', /did you mean 2001:db8::\/32/i],
        ['fe80::1%eth0', /zone index/],
        ['0.0.0.0/0', /allow-any/],
        ['::/0', /allow-any/],
      ] as const) {
        const bad = await put([{ cidr: '192.0.2.0/24' }, { cidr }]);
        assert.equal(bad.status, 400, cidr);
        assert.equal(bad.body.code, 'request.invalid', cidr);
        const [detail] = bad.body.details as Array<{ field: string; message: string }>;
        assert.equal(detail?.field, 'entries[1].cidr', cidr);
        assert.match(detail?.message ?? '', message, cidr);
      }
      const any = await put([{ cidr: '::/0' }], { allow_any: true });
      assert.equal(any.status, 200);
      const good = await setAllowlist(h.a.id, 'test', ['10.0.0.0/8', '2001:DB8::/32', '10.0.0.0/8']);
      const cidrs = (good.body.entries as Array<{ cidr: string }>).map((e) => e.cidr).sort();
      assert.deepEqual(cidrs, ['10.0.0.0/8', '2001:db8::/32'], 'canonical and de-duplicated');
      await setAllowlist(h.a.id, 'test', []);
    });
  });
}
