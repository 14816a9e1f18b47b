// tessera.request(method, path, { body, idempotencyKey }): the generic call for gateway routes signs like
// the resources, reuses one Idempotency-Key across retries, and parses a JSON answer.
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { verifySignature } from './support/fake-tessera.ts';
import { type Harness, SECRET, startHarness } from './support/fixtures.ts';

describe('tessera.request(method, path, options)', () => {
  let h: Harness;
  beforeEach(async () => {
    await h?.server.close();
    h = await startHarness();
  });
  after(() => h.server.close());

  it('signs a write with the given Idempotency-Key and keeps it on every retry', async () => {
    h.server.script(
      { status: 409, body: { code: 'idempotency.key.in_progress', message: 'busy', request_id: 'req_1' } },
      { status: 502, body: { code: 'upstream.unavailable', message: 'down', request_id: 'req_2' } },
      { status: 201, body: { id: 'trf_1' }, headers: { 'idempotent-replayed': 'true' } },
    );
    const idempotencyKey = '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b';
    const result = await h.client.request<{ id: string }>('POST', '/v1/transfers', {
      body: { amount: 5 },
      idempotencyKey,
    });
    assert.equal(result.status, 201);
    assert.equal(result.body.id, 'trf_1');
    assert.equal(result.idempotentReplayed, true);
    assert.equal(result.attempts, 3);
    assert.equal(h.server.requests.length, 3);
    for (const request of h.server.requests) {
      assert.equal(request.target, '/v1/transfers');
      assert.equal(request.body, '{"amount":5}');
      assert.equal(request.headers['idempotency-key'], idempotencyKey);
      assert.equal(verifySignature(SECRET, request), true);
    }
  });

  it('sends a read unsigned, with its query, and returns a non-JSON answer as text', async () => {
    h.server.script({ status: 200, body: 'plain', headers: { 'content-type': 'text/plain' } });
    const result = await h.client.request<string>('GET', '/v1/accounts/acc_1', {
      query: { expand: 'owner' },
    });
    const [request] = h.server.requests;
    assert.equal(request?.target, '/v1/accounts/acc_1?expand=owner');
    assert.equal(request?.headers['x-signature'], undefined);
    assert.equal(typeof result.body, 'string');
  });
});
