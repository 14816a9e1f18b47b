// The API key and its secret must not leak through anything a caller might print or log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { Tessera, TesseraConnectionError, TesseraError } from '../src/index.ts';
import { API_KEY, type Harness, SECRET, startHarness } from './support/fixtures.ts';

function everyRendering(value: unknown): string[] {
  const renderings = [
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
    JSON.stringify(value) ?? '',
    String(value),
  ];
  if (value instanceof Error) {
    renderings.push(value.message, value.stack ?? '', inspect(value.cause, { showHidden: true, depth: 10 }));
  }
  return renderings;
}

function assertNoSecret(value: unknown): void {
  for (const text of everyRendering(value)) {
    assert.ok(!text.includes(SECRET), `secret leaked in: ${text.slice(0, 300)}`);
    assert.ok(!text.includes(API_KEY), 'api key leaked');
  }
}

describe('secrets stay out of output', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.server.close());

  it('the client prints only its base URL and key prefix', () => {
    assertNoSecret(h.client);
    assertNoSecret(h.client.quotes);
    assertNoSecret(h.client.bookings);
    assertNoSecret(Object.entries(h.client));
    assert.deepEqual(JSON.parse(JSON.stringify(h.client)), {
      baseUrl: `${h.server.url}/`,
      environment: 'test',
      keyPrefix: 'ABCDWXYZ',
    });
    assert.match(inspect(h.client), /sk_test_ABCDWXYZ_…/);
  });

  it('API errors carry no key, even when the server echoes it', async () => {
    h.server.script({
      status: 401,
      body: {
        code: 'auth.api_key.invalid',
        message: `key ${API_KEY} rejected, secret ${SECRET}`,
        request_id: 'req_1',
        details: [{ field: 'authorization', message: SECRET }],
      },
    });
    const error = await h.client.me().catch((e: unknown) => e);
    assert.ok(error instanceof TesseraError);
    assert.match(error.message, /\[redacted\]/);
    assertNoSecret(error);
    assertNoSecret(error.details);
  });

  it('connection errors carry no key', async () => {
    h.server.script('reset');
    const error = await h.client.quotes.retrieve('quo_1').catch((e: unknown) => e);
    assert.ok(error instanceof TesseraConnectionError);
    assertNoSecret(error);
  });

  it('a fetch that throws with the request headers attached does not leak them', async () => {
    const client = new Tessera({
      apiKey: API_KEY,
      baseUrl: 'http://127.0.0.1:9',
      maxAttempts: 1,
      fetch: async (_url, init) => {
        const failure = new Error(`failed with ${JSON.stringify(init?.headers)}`);
        throw Object.assign(failure, { request: init });
      },
    });
    const error = await client.bookings.cancel('bkg_1').catch((e: unknown) => e);
    assert.ok(error instanceof TesseraConnectionError);
    assertNoSecret(error);
  });

  it('a malformed key is rejected without echoing it', () => {
    const almost = `sk_live_ABCDWXYZ_${SECRET}!`;
    assert.throws(
      () => new Tessera({ apiKey: almost, baseUrl: 'http://127.0.0.1:8080' }),
      (error: unknown) => error instanceof TypeError && !error.message.includes(SECRET),
    );
  });
});
