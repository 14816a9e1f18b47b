import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalString, parseApiKey, signRequest } from '../src/index.ts';
import { SECRET } from './support/fixtures.ts';

describe('parseApiKey', () => {
  it('splits a key into environment, prefix and the 48-character secret', () => {
    assert.deepEqual(parseApiKey(`sk_live_ABCDWXYZ_${SECRET}`), {
      environment: 'live',
      prefix: 'ABCDWXYZ',
      secret: SECRET,
    });
    assert.equal(parseApiKey(`sk_test_abcd1234_${SECRET}`)?.environment, 'test');
  });

  it('rejects keys that do not follow the format', () => {
    for (const key of [
      '',
      `sk_prod_ABCDWXYZ_${SECRET}`,
      `sk_live_ABCDWXY_${SECRET}`,
      `sk_live_ABCDWXYZ_${SECRET.slice(1)}`,
      `sk_live_ABCDWXYZ_${SECRET}x`,
      `Bearer sk_live_ABCDWXYZ_${SECRET}`,
      `sk_live_ABCD-XYZ_${SECRET}`,
    ]) {
      assert.equal(parseApiKey(key), undefined, key);
    }
  });
});

describe('signRequest', () => {
  it('builds the canonical string as timestamp, METHOD, path-with-query and body joined by \\n', () => {
    const canonical = canonicalString({
      timestamp: '1700000000',
      method: 'POST',
      pathWithQuery: '/v1/bookings?x=1',
      body: '{"a":1}',
    });
    assert.equal(canonical, '1700000000\nPOST\n/v1/bookings?x=1\n{"a":1}');
  });

  // Expected values computed with `openssl dgst -sha256 -hmac <secret>`, not with this code.
  it('matches HMAC-SHA256 vectors computed by openssl', () => {
    assert.equal(
      signRequest(SECRET, {
        timestamp: '1700000000',
        method: 'POST',
        pathWithQuery: '/v1/bookings/bkg_123/cancel',
        body: '{}',
      }),
      'e71d6e98067b37a82c17d93cb79df161cfaa8851596a493a324b462326a03e8d',
    );
    assert.equal(
      signRequest(SECRET, {
        timestamp: '1700000000',
        method: 'POST',
        pathWithQuery: '/v1/quotes',
        body: '{"origin":"LHR","destination":"JFK","departure_date":"2026-03-01","passengers":{"adults":1,"children":0}}',
      }),
      '583d30b5ba9af014ec2c18786ed01122f24cbb8197f58d511f133707875b5f46',
    );
  });

  it('changes when any signed part changes, including body whitespace', () => {
    const base = { timestamp: '1700000000', method: 'POST', pathWithQuery: '/v1/quotes', body: '{"a":1}' };
    const reference = signRequest(SECRET, base);
    assert.notEqual(signRequest(SECRET, { ...base, body: '{"a": 1}' }), reference);
    assert.notEqual(signRequest(SECRET, { ...base, timestamp: '1700000001' }), reference);
    assert.notEqual(signRequest(SECRET, { ...base, method: 'PUT' }), reference);
    assert.notEqual(signRequest(SECRET, { ...base, pathWithQuery: '/v1/quotes?' }), reference);
  });
});
