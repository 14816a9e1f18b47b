import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from '../src/retry.ts';

describe('isRetryableStatus', () => {
  it('retries 429, every 5xx and only the in-progress 409', () => {
    assert.equal(isRetryableStatus(429, 'rate_limit.exceeded'), true);
    assert.equal(isRetryableStatus(429, 'auth.throttled'), true);
    assert.equal(isRetryableStatus(500, 'internal.error'), true);
    assert.equal(isRetryableStatus(503, 'service.unavailable'), true);
    assert.equal(isRetryableStatus(502, undefined), true);
    assert.equal(isRetryableStatus(409, 'idempotency.key.in_progress'), true);
  });

  it('never retries other 4xx', () => {
    assert.equal(isRetryableStatus(409, 'quote.expired'), false);
    assert.equal(isRetryableStatus(409, 'quote.already_booked'), false);
    for (const status of [400, 401, 403, 404, 405, 413, 415, 422]) {
      assert.equal(isRetryableStatus(status, 'x'), false, String(status));
    }
  });
});

describe('backoffDelayMs', () => {
  it('draws uniformly below min(5 s, 100 ms * 2^(n-1))', () => {
    assert.equal(
      backoffDelayMs(1, () => 0.5),
      50,
    );
    assert.equal(
      backoffDelayMs(2, () => 0.5),
      100,
    );
    assert.equal(
      backoffDelayMs(3, () => 0.5),
      200,
    );
    assert.equal(
      backoffDelayMs(1, () => 0),
      0,
    );
    assert.equal(
      backoffDelayMs(4, () => 0.999_999),
      799,
    );
  });

  it('is capped at 5 s however many attempts failed', () => {
    assert.equal(
      backoffDelayMs(7, () => 0.999_999),
      4999,
    );
    assert.equal(
      backoffDelayMs(40, () => 0.999_999),
      4999,
    );
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfterMs('3', now), 3000);
    assert.equal(parseRetryAfterMs(' 0 ', now), 0);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    assert.equal(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:07 GMT', now), 7000);
    assert.equal(parseRetryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now), 0);
  });

  it('ignores absent or unreadable values', () => {
    assert.equal(parseRetryAfterMs(null, now), undefined);
    assert.equal(parseRetryAfterMs('soon', now), undefined);
    assert.equal(parseRetryAfterMs('-3', now), undefined);
  });
});
