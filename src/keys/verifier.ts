// Verifies a presented API key and returns what was proved, as a value: valid (with the key), invalid, or
// throttled. The order matters for cost: a key this node already verified is checked against its cached
// digest (no Argon2id, no database); a secret this node already refused is refused again at the same cost;
// anything else is a guess, which meets the per-address failure throttle and then one Argon2id run under
// the bounded pool, whether its prefix exists or not.
import { randomToken } from '../crypto.ts';
import type { Database } from '../db/database.ts';
import {
  ARGON2_COST,
  type Argon2Cost,
  type Argon2Outcome,
  type Argon2Verifier,
  hashSecret,
} from './argon2.ts';
import type { FailureThrottle } from './failure-throttle.ts';
import type { PresentedKey } from './format.ts';
import type { KeyCache, VerifiedKey } from './key-cache.ts';
import type { KeyRefusal } from './refused-secrets.ts';
import { type AuthKeyRow, findKeyForAuth, touchLastUsed } from './store.ts';

export type KeyVerification =
  | { kind: 'valid'; key: VerifiedKey }
  | ({ kind: 'invalid' } & KeyRefusal)
  | { kind: 'throttled'; retryAfterSeconds: number };

const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * What an unknown prefix is verified against: an Argon2id hash with the parameters of every real key
 * (m = 64 MiB, t = 3, p = 1) of a random secret nobody kept. An unknown prefix then costs exactly what a
 * wrong secret costs, so response time does not tell an attacker which prefixes exist.
 */
export const UNKNOWN_PREFIX_HASH =
  '$argon2id$v=19$m=65536,t=3,p=1$itK7P/i+Sdgqm59/vCd2UA$bEMGk6uS/QcPENhKbtruSb56mhjDXKSxvt8Z6nQ1pCA';

/**
 * The unknown-prefix hash for keys hashed at `cost`: UNKNOWN_PREFIX_HASH at the production cost; at any
 * other cost (tests, in code only) a hash of a random secret made at that cost, so the two still match.
 */
export async function unknownPrefixHashFor(cost: Argon2Cost): Promise<string> {
  if (cost.memoryKib === ARGON2_COST.memoryKib && cost.passes === ARGON2_COST.passes) {
    return UNKNOWN_PREFIX_HASH;
  }
  return hashSecret(randomToken(), cost);
}

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
    /** How long a refused secret is remembered: the throttle's window, so a retry never counts twice. */
    private readonly refusalTtlMs = 60_000,
    /** From unknownPrefixHashFor(), at the cost new keys are hashed with. */
    private readonly unknownPrefixHash = UNKNOWN_PREFIX_HASH,
  ) {}

  /**
   * True when this node has verified exactly this key (prefix and secret) and still holds it: a check that
   * costs one keyed digest, no Argon2id and no I/O. It proves the caller holds a secret that was right; the
   * full verification (revocation, expiry, re-reading an aged entry) still follows in verify().
   */
  holdsVerifiedSecret(presented: PresentedKey): boolean {
    const cached = this.cache.get(presented.prefix);
    return cached !== undefined && this.cache.secretMatches(cached, presented.secret);
  }

  async verify(presented: PresentedKey, clientIp: string): Promise<KeyVerification> {
    const now = this.now();
    const cached = this.cache.get(presented.prefix);

    // The holder of a key this node already verified is never throttled: failures sent by others, from
    // this address or any other, must not lock the owner out.
    if (cached && this.cache.secretMatches(cached, presented.secret)) {
      if (now - cached.checkedAt < this.cacheTtlMs) {
        return this.#noteIfValid(this.#judge(cached.key, presented, now, true), now);
      }
      const refreshed = await this.#refresh(cached.secretHash, presented, now);
      if (refreshed) return this.#noteIfValid(refreshed, now);
    }

    // The same secret refused before (an old key retried after `key regenerate`) is not a new guess: it
    // costs no Argon2id and does not count against the address (see refused-secrets.ts).
    const refused = this.cache.refusalFor(presented, now);
    if (refused) return { kind: 'invalid', ...refused };

    // Everything else is a guess until Argon2id says otherwise, so the address's failure budget applies
    // here, and only here. A fresh cache entry is deliberately not used to refuse a wrong secret early:
    // that fast answer would tell an attacker that the prefix exists and was used recently.
    const waitMs = this.throttle.retryAfterMs(clientIp, now);
    if (waitMs > 0) return { kind: 'throttled', retryAfterSeconds: Math.ceil(waitMs / 1000) };
    const result = await this.#verifyWithArgon2(presented, now);
    if (result.kind === 'invalid') this.throttle.recordFailure(clientIp, now);
    return this.#noteIfValid(result, now);
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
    // Argon2id runs before any other check, so an unknown, revoked, expired or other-environment key costs
    // the same as a wrong secret: one verification, under the same bounded pool.
    const outcome = await this.#sharedArgon2(row?.secret_hash ?? this.unknownPrefixHash, presented);
    if (outcome === 'busy') return { kind: 'throttled', retryAfterSeconds: 1 };
    if (!row) return this.#refuse(presented, { reason: 'not_found' }, epoch, now);
    const key = toVerifiedKey(row);
    const result = this.#judge(key, presented, now, outcome === 'match', row);
    if (result.kind === 'invalid') return this.#refuse(presented, result, epoch, now);
    if (result.kind === 'valid') this.cache.remember(key, presented.secret, row.secret_hash, epoch, now);
    return result;
  }

  #refuse(presented: PresentedKey, refusal: KeyRefusal, epoch: number, now: number): KeyVerification {
    const remembered: KeyRefusal = refusal.key
      ? { reason: refusal.reason, key: refusal.key }
      : { reason: refusal.reason };
    this.cache.rememberRefusal(presented, remembered, epoch, now + this.refusalTtlMs);
    return { kind: 'invalid', ...remembered };
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

  #noteIfValid(result: KeyVerification, now: number): KeyVerification {
    if (result.kind === 'valid') this.#noteUse(result.key.id, now);
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
