import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PartnerClient, send } from '../support/client.ts';
import { createPostgresDatabase, dropPostgresDatabase } from '../support/database.ts';
import { ADMIN_TOKEN } from '../support/harness.ts';
import { type NodeProcess, startNode } from '../support/node-process.ts';

const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

describe('two nodes on one PostgreSQL database', {
  skip: !process.env.DATABASE_URL && 'needs DATABASE_URL',
}, () => {
  let url: string;
  let nodeA: NodeProcess;
  let nodeB: NodeProcess;
  before(async () => {
    url = await createPostgresDatabase();
    // Started together: the migration advisory lock lets exactly one of them migrate.
    [nodeA, nodeB] = await Promise.all([startNode({ DATABASE_URL: url }), startNode({ DATABASE_URL: url })]);
  });
  after(async () => {
    await Promise.all([nodeA?.kill(), nodeB?.kill()]);
    if (url) await dropPostgresDatabase(url);
  });

  test('a key revoked through node A is refused by node B within one second', async () => {
    const partner = await send(nodeA.url, '/admin/v1/partners', {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ name: 'Two-node partner' }),
    });
    const key = await send(nodeA.url, `/admin/v1/partners/${partner.body.id}/keys`, {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ environment: 'live' }),
    });
    const onB = new PartnerClient(nodeB.url, String(key.body.key));
    assert.equal((await onB.get('/v1/me')).status, 200, 'node B has verified and cached the key');
    assert.equal((await onB.get('/v1/me')).status, 200);

    const revoked = await send(nodeA.url, `/admin/v1/keys/${key.body.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(revoked.status, 200);
    const revokedAt = Date.now();
    let refusedAfterMs = Number.POSITIVE_INFINITY;
    while (Date.now() - revokedAt < 1000) {
      const reply = await onB.get('/v1/me');
      if (reply.status === 401) {
        assert.equal(reply.body.code, 'auth.api_key.invalid');
        refusedAfterMs = Date.now() - revokedAt;
        break;
      }
    }
    assert.ok(
      refusedAfterMs < 1000,
      `node B still accepted the key ${Date.now() - revokedAt} ms after revocation`,
    );
  });
});
