// Stage: per-key rate limits, with the partner's override when set. Every answer carries the IETF
// RateLimit headers (draft-ietf-httpapi-ratelimit-headers: RateLimit-Policy and RateLimit, plus the
// RateLimit-Limit/-Remaining/-Reset trio many clients read); over the limit is 429 with Retry-After.
import { apiError } from '../errors.ts';
import type { RateLimitStore } from '../rate-limit/store.ts';
import type { Stage } from './stage.ts';

const WINDOW_MS = 60_000;

export function rateLimit(store: RateLimitStore, defaultPerMinute: number): Stage {
  return async function rateLimitPerKey(request, reply) {
    const key = request.tessera.key;
    if (!key) throw new Error('rateLimitPerKey ran before authentication');
    const limit = key.rateLimitPerMinute ?? defaultPerMinute;
    let hit: Awaited<ReturnType<RateLimitStore['hit']>>;
    try {
      hit = await store.hit(`key:${key.id}`, WINDOW_MS);
    } catch {
      // A rate-limit store outage must not take the API down with it: fail open, and say so in the log.
      request.log.warn(
        { event: 'rate_limit.store_unavailable' },
        'rate-limit store unavailable; not limiting',
      );
      return;
    }
    const { count, resetInMs } = hit;
    const remaining = Math.max(0, limit - count);
    const reset = Math.max(1, Math.ceil(resetInMs / 1000));
    reply.header('ratelimit-policy', `"per-key";q=${limit};w=${WINDOW_MS / 1000}`);
    reply.header('ratelimit', `"per-key";r=${remaining};t=${reset}`);
    reply.header('ratelimit-limit', String(limit));
    reply.header('ratelimit-remaining', String(remaining));
    reply.header('ratelimit-reset', String(reset));
    if (count > limit) throw apiError('rate_limit.exceeded', { headers: { 'retry-after': String(reset) } });
  };
}
