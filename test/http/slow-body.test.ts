// The slow-body attack (issue 10, item 8): an authenticated, signed POST whose body arrives one byte at a
// time gets a catalogued 408 within the configured time, its connection is closed, and it is audited.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { auditRowFor } from '../audit/audit-support.ts';
import { tripBody } from '../domain/trips.ts';
import { secretOf, signRequest } from '../support/client.ts';
import { TestClock } from '../support/clock.ts';
import { databaseTargets } from '../support/database.ts';
import { type Harness, startHarness } from '../support/harness.ts';

const BODY_TIMEOUT_MS = 400;
const DRIP_EVERY_MS = 150;

interface SlowOutcome {
  status: number;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  bytesSent: number;
  socketClosed: Promise<void>;
}

/** Sends a valid signed write, then drips its body one byte at a time until the server answers. */
function slowSignedPost(h: Harness, now: number): Promise<SlowOutcome> {
  const body = JSON.stringify(tripBody());
  const timestamp = Math.floor(now / 1000);
  const path = '/v1/quotes';
  const signature = signRequest({
    secret: secretOf(h.a.keys.test.key),
    method: 'POST',
    path,
    body,
    timestamp,
  });
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.baseUrl}${path}`, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${h.a.keys.test.key}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'idempotency-key': randomUUID(),
        'x-timestamp': String(timestamp),
        'x-signature': signature,
      },
    });
    let sent = 0;
    const drip = setInterval(() => {
      if (sent < body.length - 1) req.write(body[sent++] ?? '');
    }, DRIP_EVERY_MS);
    const socketClosed = new Promise<void>((closed) =>
      req.on('socket', (s) => s.once('close', () => closed())),
    );
    req.on('response', (res) => {
      clearInterval(drip);
      let text = '';
      res.on('data', (chunk) => (text += String(chunk)));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(text),
          headers: res.headers,
          bytesSent: sent,
          socketClosed,
        }),
      );
    });
    req.on('error', (error) => {
      clearInterval(drip);
      reject(error);
    });
    req.flushHeaders();
  });
}

for (const target of databaseTargets()) {
  describe(`slow bodies are cut off (${target})`, () => {
    let h: Harness;
    const clock = new TestClock();
    before(async () => {
      h = await startHarness(target, {
        now: clock.now,
        env: { TESSERA_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS) },
      });
    });
    after(() => h?.close());

    test('a signed POST dripping one byte every 150 ms gets 408 request.timeout and is disconnected', async () => {
      const started = performance.now();
      const outcome = await slowSignedPost(h, clock.now());
      const tookMs = performance.now() - started;
      assert.equal(outcome.status, 408, JSON.stringify(outcome.body));
      assert.equal(outcome.body.code, 'request.timeout');
      assert.equal(outcome.headers['x-request-id'], outcome.body.request_id);
      assert.equal(outcome.headers.connection, 'close');
      assert.ok(outcome.bytesSent < 60, `the body was cut off after ${outcome.bytesSent} bytes`);
      assert.ok(tookMs < 30_000, `answered after ${Math.round(tookMs)} ms`);
      await outcome.socketClosed;

      const row = await auditRowFor(h.tessera.db, String(outcome.body.request_id));
      assert.ok(row, 'the attempt is audited');
      assert.deepEqual([row.status, row.error_code, row.partner_id], [408, 'request.timeout', h.a.id]);
    });

    test('a body that arrives in time is still accepted', async () => {
      const reply = await h.a.test.post('/v1/quotes', tripBody());
      assert.equal(reply.status, 201, reply.text);
    });
  });
}
