import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PartnerClient } from '../support/client.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

for (const target of databaseTargets()) {
  describe(`per-key rate limits (${target})`, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(target, { env: { TESSERA_RATE_LIMIT_PER_MINUTE: '5' } });
    });
    after(() => h?.close());

    test('every answer carries the IETF RateLimit headers; past the limit is 429 with Retry-After', async () => {
      const first = await h.a.live.get('/v1/me');
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('ratelimit-policy'), '"per-key";q=5;w=60');
      assert.match(first.headers.get('ratelimit') ?? '', /^"per-key";r=4;t=\d+$/);
      assert.equal(first.headers.get('ratelimit-limit'), '5');
      assert.equal(first.headers.get('ratelimit-remaining'), '4');
      for (let i = 0; i < 4; i++) assert.equal((await h.a.live.get('/v1/me')).status, 200);
      const limited = await h.a.live.get('/v1/me');
      assert.equal(limited.status, 429);
      assert.equal(limited.body.code, 'rate_limit.exceeded');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal(limited.headers.get('ratelimit-remaining'), '0');
      assert.equal((await h.a.test.get('/v1/me')).status, 200, 'each key has its own budget');
    });

    test("a partner's override replaces the default", async () => {
      const patched = await h.admin('PATCH', `/admin/v1/partners/${h.b.id}`, { rate_limit_per_minute: 2 });
      assert.equal(patched.status, 200);
      const key = await h.createKey(h.b.id, 'live');
      const client = new PartnerClient(h.baseUrl, key.key);
      const first = await client.get('/v1/me');
      assert.equal(first.headers.get('ratelimit-limit'), '2');
      assert.equal((await client.get('/v1/me')).status, 200);
      assert.equal((await client.get('/v1/me')).status, 429);
    });
  });
}

const redisUrl = process.env.REDIS_TEST_URL;
describe('a Redis store shares one budget across nodes', {
  skip: !redisUrl && 'needs REDIS_TEST_URL',
}, () => {
  let nodeA: Harness;
  let nodeB: Harness;
  before(async () => {
    const env = { TESSERA_RATE_LIMIT_PER_MINUTE: '4', REDIS_URL: String(redisUrl) };
    nodeA = await startHarness('pglite', { env });
    nodeB = await startHarness('pglite', { env, database: nodeA.database });
  });
  after(async () => {
    await nodeB?.close();
    await nodeA?.close();
  });

  test('requests spread over two nodes count against the same limit', async () => {
    const onB = new PartnerClient(nodeB.baseUrl, nodeA.a.keys.live.key);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await nodeA.a.live.get('/v1/me')).status, (await onB.get('/v1/me')).status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  });
});
