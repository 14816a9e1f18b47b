// Verifies a presented API key and returns what was proved, as a value: valid (with the key), invalid, or
// throttled. The order matters for cost: a key this node already verified is checked against its cached
// digest (no Argon2id, no database); only a miss reaches the failure throttle, the database and Argon2id.
import type { Database } from '../db/database.ts';
import type { Argon2Outcome, Argon2Verifier } from './argon2.ts';
import type { FailureThrottle } from './failure-throttle.ts';
import type { PresentedKey } from './format.ts';
import type { KeyCache, VerifiedKey } from './key-cache.ts';
import { type AuthKeyRow, findKeyForAuth, touchLastUsed } from './store.ts';

export type KeyVerification =
  | { kind: 'valid'; key: VerifiedKey }
  | {
      kind: 'invalid';
      reason: 'not_found' | 'secret_mismatch' | 'revoked' | 'expired' | 'wrong_environment';
      key?: VerifiedKey;
    }
  | { kind: 'throttled'; retryAfterSeconds: number };

const LAST_USED_RESOLUTION_MS = 60_000;

export class KeyVerifier {
  readonly #lastUsedWritten = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<Argon2Outcome>>();

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
    const matchesCache = cached !== undefined && this.cache.secretMatches(cached, presented.secret);

    // The holder of a key this node already verified is never throttled: a flood of wrong secrets for
    // the same prefix must not lock the owner out.
    if (cached && matchesCache) {
      if (now - cached.checkedAt < this.cacheTtlMs) {
        return this.#settle(this.#judge(cached.key, presented, now, true), presented, clientIp, now);
      }
      const refreshed = await this.#refresh(cached.secretHash, presented, now);
      if (refreshed) return this.#settle(refreshed, presented, clientIp, now);
    }

    const waitMs = this.throttle.retryAfterMs([`ip:${clientIp}`, `prefix:${presented.prefix}`], now);
    if (waitMs > 0) return { kind: 'throttled', retryAfterSeconds: Math.ceil(waitMs / 1000) };
    // A fresh entry knows the right secret: a mismatch needs no Argon2id to be refused.
    if (cached && !matchesCache && now - cached.checkedAt < this.cacheTtlMs) {
      return this.#settle(this.#judge(cached.key, presented, now, false), presented, clientIp, now);
    }
    return this.#settle(await this.#verifyWithArgon2(presented, now), presented, clientIp, now);
  }

  /**
   * Re-reads a cached key whose decision has aged out. While its stored hash is the one the secret was
   * verified against, the cached digest still proves the secret; undefined means "verify again in full".
   */
  async #refresh(
    secretHash: string,
    presented: PresentedKey,
    now: number,
  ): Promise<KeyVerification | undefined> {
    const epoch = this.cache.epoch;
    const row = await findKeyForAuth(this.db, presented.prefix);
    if (!row) return { kind: 'invalid', reason: 'not_found' };
    if (row.secret_hash !== secretHash) return undefined;
    const key = toVerifiedKey(row);
    const result = this.#judge(key, presented, now, true, row);
    if (result.kind === 'valid') this.cache.remember(key, presented.secret, row.secret_hash, epoch, now);
    return result;
  }

  async #verifyWithArgon2(presented: PresentedKey, now: number): Promise<KeyVerification> {
    const epoch = this.cache.epoch;
    const row = await findKeyForAuth(this.db, presented.prefix);
    if (!row) return { kind: 'invalid', reason: 'not_found' };
    const key = toVerifiedKey(row);
    const preliminary = this.#judge(key, presented, now, true, row);
    if (preliminary.kind !== 'valid') return preliminary;
    const outcome = await this.#sharedArgon2(row.secret_hash, presented);
    if (outcome === 'busy') return { kind: 'throttled', retryAfterSeconds: 1 };
    if (outcome === 'mismatch') return { kind: 'invalid', reason: 'secret_mismatch', key };
    this.cache.remember(key, presented.secret, row.secret_hash, epoch, now);
    return { kind: 'valid', key };
  }

  /**
   * Concurrent first requests with the same key share one Argon2id run (single flight), so a burst of
   * requests on a cold node costs one verification per key, not one per request.
   */
  #sharedArgon2(secretHash: string, presented: PresentedKey): Promise<Argon2Outcome> {
    const flight = `${presented.prefix}:${secretHash}:${this.cache.digest(presented.secret).toString('hex')}`;
    let running = this.#inFlight.get(flight);
    if (!running) {
      running = this.argon2.verify(secretHash, presented.secret).finally(() => this.#inFlight.delete(flight));
      this.#inFlight.set(flight, running);
    }
    return running;
  }

  #judge(
    key: VerifiedKey,
    presented: PresentedKey,
    now: number,
    secretMatches: boolean,
    row?: AuthKeyRow,
  ): KeyVerification {
    if (row?.revoked_at) return { kind: 'invalid', reason: 'revoked', key };
    if (key.expiresAt && key.expiresAt.getTime() <= now) return { kind: 'invalid', reason: 'expired', key };
    if (key.environment !== presented.environment)
      return { kind: 'invalid', reason: 'wrong_environment', key };
    if (!secretMatches) return { kind: 'invalid', reason: 'secret_mismatch', key };
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
    partnerSuspended: row.partner_suspended,
  };
}
