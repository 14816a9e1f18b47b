import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { send } from '../support/client.ts';
import { type Harness, startHarness } from '../support/harness.ts';

describe('Prometheus metrics', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('pglite');
  });
  after(() => h?.close());

  test('GET /metrics counts requests by route and code, and Argon2id verifications', async () => {
    await h.a.live.get('/v1/me');
    await send(h.baseUrl, '/v1/me');
    const reply = await send(h.baseUrl, '/metrics');
    assert.equal(reply.status, 200);
    assert.match(
      reply.text,
      /tessera_http_requests_total\{route="\/v1\/me",method="GET",status="200",code=""\} \d+/,
    );
    assert.match(reply.text, /code="auth\.api_key\.missing"/);
    assert.match(reply.text, /tessera_argon2_verifications_total [1-9]/);
    assert.doesNotMatch(reply.text, /sk_(live|test)_/);
  });
});
