// Verifies a presented API key and returns what was proved, as a value: valid (with the key), invalid, or
// throttled. The order matters for cost: a key this node already verified is checked against its cached
// digest (no Argon2id, no database); only a miss reaches the failure throttle, the database and Argon2id.
import type { Database } from '../db/database.ts';
import type { Argon2Verifier } from './argon2.ts';
import type { FailureThrottle } from './failure-throttle.ts';
import type { PresentedKey } from './format.ts';
import type { KeyCache, VerifiedKey } from './key-cache.ts';
import { type AuthKeyRow, findKeyForAuth, touchLastUsed } from './store.ts';

export type KeyVerification =
  | { kind: 'valid'; key: VerifiedKey }
  | { kind: 'invalid'; reason: 'not_found' | 'secret_mismatch' | 'revoked' | 'expired' | 'wrong_environment'; key?: VerifiedKey }
  | { kind: 'throttled'; retryAfterSeconds: number };

const LAST_USED_RESOLUTION_MS = 60_000;

export class KeyVerifier {
  readonly #lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly cache: KeyCache,
    private readonly argon2: Argon2Verifier,
    private readonly throttle: FailureThrottle,
    private readonly cacheTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(presented: PresentedKey, clientIp: string): Promise<KeyVerification> {
    const now = this.now();
    const cached = this.cache.get(presented.prefix);
    const subjects = [`ip:${clientIp}`, `prefix:${presented.prefix}`];
    const waitMs = this.throttle.retryAfterMs(subjects, now);
    const throttled: KeyVerification = { kind: 'throttled', retryAfterSeconds: Math.ceil(waitMs / 1000) };
    if (cached && now - cached.checkedAt < this.cacheTtlMs) {
      const result = this.#judge(cached.key, presented, now, () => this.cache.secretMatches(cached, presented.secret));
      if (result.kind !== 'valid' && waitMs > 0) return throttled;
      return this.#settle(result, presented, clientIp, now);
    }
    if (waitMs > 0) return throttled;

    const epoch = this.cache.epoch;
    const row = await findKeyForAuth(this.db, presented.prefix);
    if (!row) return this.#settle({ kind: 'invalid', reason: 'not_found' }, presented, clientIp, now);
    const key = toVerifiedKey(row);

    // A stale entry whose stored hash is unchanged still proves the secret: refresh it without Argon2id.
    if (cached && cached.secretHash === row.secret_hash) {
      const result = this.#judge(key, presented, now, () => this.cache.secretMatches(cached, presented.secret));
      if (result.kind === 'valid') this.cache.remember(key, presented.secret, row.secret_hash, epoch, now);
      return this.#settle(result, presented, clientIp, now);
    }

    const preliminary = this.#judge(key, presented, now, () => true, row);
    if (preliminary.kind !== 'valid') return this.#settle(preliminary, presented, clientIp, now);
    const outcome = await this.argon2.verify(row.secret_hash, presented.secret);
    if (outcome === 'busy') return { kind: 'throttled', retryAfterSeconds: 1 };
    if (outcome === 'mismatch') {
      return this.#settle({ kind: 'invalid', reason: 'secret_mismatch', key }, presented, clientIp, now);
    }
    this.cache.remember(key, presented.secret, row.secret_hash, epoch, now);
    return this.#settle({ kind: 'valid', key }, presented, clientIp, now);
  }

  #judge(
    key: VerifiedKey,
    presented: PresentedKey,
    now: number,
    secretMatches: () => boolean,
    row?: AuthKeyRow,
  ): KeyVerification {
    // The secret is checked first and in full, so every outcome below costs the same comparison.
    const matches = secretMatches();
    if (row?.revoked_at) return { kind: 'invalid', reason: 'revoked', key };
    if (key.expiresAt && key.expiresAt.getTime() <= now) return { kind: 'invalid', reason: 'expired', key };
    if (key.environment !== presented.environment) return { kind: 'invalid', reason: 'wrong_environment', key };
    if (!matches) return { kind: 'invalid', reason: 'secret_mismatch', key };
    return { kind: 'valid', key };
  }

  #settle(result: KeyVerification, presented: PresentedKey, clientIp: string, now: number): KeyVerification {
    if (result.kind === 'invalid') {
      this.throttle.recordFailure([`ip:${clientIp}`, `prefix:${presented.prefix}`], now);
    } else if (result.kind === 'valid') {
      this.#noteUse(result.key.id, now);
    }
    return result;
  }

  /** last_used_at is written at most once a minute per key per node, off the request path. */
  #noteUse(keyId: string, now: number): void {
    const last = this.#lastUsedWritten.get(keyId) ?? 0;
    if (now - last < LAST_USED_RESOLUTION_MS) return;
    this.#lastUsedWritten.set(keyId, now);
    touchLastUsed(this.db, [keyId]).catch(() => this.#lastUsedWritten.delete(keyId));
  }
}

function toVerifiedKey(row: AuthKeyRow): VerifiedKey {
  return {
    id: row.id,
    partnerId: row.partner_id,
    partnerName: row.partner_name,
    environment: row.environment,
    prefix: row.prefix,
    scopes: row.scopes,
    expiresAt: row.expires_at,
    rateLimitPerMinute: row.rate_limit_per_minute,
  };
}
