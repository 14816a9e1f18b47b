// Remembers keys this node has verified, so Argon2id runs at most once per key per node. An entry holds a
// keyed digest of the secret (HMAC under a per-process random key), never the secret, and later requests
// are compared against it in constant time. Any invalidation bumps the epoch, so a verification that was
// already running when a key was revoked cannot put the revoked key back into the cache. Changes evict only
// what they concern (one key, or one partner's keys); only a lost notification connection drops everything.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hmacSha256 } from '../crypto.ts';
import type { Environment } from '../db/database.ts';
import type { PresentedKey } from './format.ts';
import { type KeyRefusal, RefusedSecrets } from './refused-secrets.ts';
import type { Scope } from './scopes.ts';

export interface VerifiedKey {
  readonly id: string;
  readonly partnerId: string;
  readonly partnerName: string;
  readonly environment: Environment;
  readonly prefix: string;
  readonly scopes: readonly Scope[];
  readonly expiresAt: Date | null;
  readonly rateLimitPerMinute: number | null;
  readonly partnerSuspended: boolean;
}

interface Entry {
  readonly key: VerifiedKey;
  readonly digest: Buffer;
  readonly secretHash: string;
  checkedAt: number;
}

export class KeyCache {
  readonly #digestKey = randomBytes(32);
  readonly #entries = new Map<string, Entry>();
  readonly #refused = new RefusedSecrets();
  #epoch = 0;
  #enabled = true;

  constructor(private readonly maxEntries = 100_000) {}

  get epoch(): number {
    return this.#epoch;
  }

  get size(): number {
    return this.#entries.size;
  }

  digest(secret: string): Buffer {
    return hmacSha256(this.#digestKey, secret);
  }

  #digestHex(secret: string): string {
    return this.digest(secret).toString('hex');
  }

  get(prefix: string): Entry | undefined {
    return this.#enabled ? this.#entries.get(prefix) : undefined;
  }

  /** True when the presented secret is the one this entry was verified with. */
  secretMatches(entry: Entry, secret: string): boolean {
    return timingSafeEqual(entry.digest, this.digest(secret));
  }

  /** Stores a verification, unless anything was invalidated since `epochAtStart`. */
  remember(key: VerifiedKey, secret: string, secretHash: string, epochAtStart: number, now: number): void {
    if (!this.#enabled || epochAtStart !== this.#epoch) return;
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key.prefix, { key, digest: this.digest(secret), secretHash, checkedAt: now });
  }

  /**
   * A refusal this node already paid a full verification for (see refused-secrets.ts). It is keyed by the
   * whole presented key, environment marker included: `wrong_environment` refuses the correct secret under
   * the other marker, and that refusal must never be replayed against the same secret under the right one.
   */
  refusalFor(presented: PresentedKey, now: number): KeyRefusal | undefined {
    return this.#enabled
      ? this.#refused.find(presented.prefix, this.#refusalDigest(presented), now)
      : undefined;
  }

  rememberRefusal(presented: PresentedKey, refusal: KeyRefusal, epochAtStart: number, until: number): void {
    if (!this.#enabled || epochAtStart !== this.#epoch) return;
    this.#refused.add(presented.prefix, this.#refusalDigest(presented), refusal, until);
  }

  #refusalDigest(presented: PresentedKey): string {
    return this.#digestHex(`${presented.environment}\n${presented.secret}`);
  }

  invalidate(prefix: string): void {
    this.#epoch++;
    this.#entries.delete(prefix);
    this.#refused.dropPrefix(prefix);
  }

  /** A partner changed (its rate limit, its status…): only its own keys are read again. */
  invalidatePartner(partnerId: string): void {
    this.#epoch++;
    for (const [prefix, entry] of this.#entries) {
      if (entry.key.partnerId === partnerId) this.#entries.delete(prefix);
    }
    this.#refused.dropPartner(partnerId);
  }

  clear(): void {
    this.#epoch++;
    this.#entries.clear();
    this.#refused.clear();
  }

  /** While revocations cannot be heard (notification connection lost), nothing is served from cache. */
  setEnabled(enabled: boolean): void {
    if (!enabled) this.clear();
    this.#enabled = enabled;
  }
}

/** Keeps the cache in step with key and partner changes announced by any node. */
export function keyCacheSubscriber(cache: KeyCache) {
  return {
    onChange: (prefix: string) => cache.invalidate(prefix),
    onReset: () => cache.clear(),
    onLost: () => cache.setEnabled(false),
    onRestored: () => cache.setEnabled(true),
  };
}

/** Partner changes evict that partner's keys only, not every partner's. */
export function partnerKeyCacheSubscriber(cache: KeyCache) {
  return {
    ...keyCacheSubscriber(cache),
    onChange: (partnerId: string) => cache.invalidatePartner(partnerId),
  };
}
