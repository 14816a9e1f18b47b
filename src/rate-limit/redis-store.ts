// The shared rate-limit store: one INCR per request in Redis, with the window's expiry set by the first
// hit, done atomically in a script so concurrent nodes agree on the count and the reset time.
import { Redis } from 'ioredis';
import type { RateLimitStore, WindowCount } from './store.ts';

const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: Redis;

  constructor(url: string) {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.#redis.on('error', () => {});
    this.#redis.defineCommand('tesseraHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  }

  async hit(bucket: string, windowMs: number): Promise<WindowCount> {
    const hit = (
      this.#redis as unknown as Record<string, (key: string, ms: number) => Promise<[number, number]>>
    ).tesseraHit;
    if (!hit) throw new Error('rate-limit script not defined');
    const [count, ttl] = await hit.call(this.#redis, `tessera:rl:${bucket}`, windowMs);
    return { count, resetInMs: ttl };
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}
