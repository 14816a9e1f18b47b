// Remembers presented keys (prefix, environment marker and secret) this node has already refused after a
// full verification, as a keyed digest of marker and secret, so the same wrong key sent again is refused
// without Argon2id and without counting as a new failure. The marker is part of it because a refusal for
// `wrong_environment` is a refusal of the correct secret: keyed by the secret alone, one `sk_test_<prefix>_
// <right secret>` got the real `sk_live_` key refused until the entry expired. A client retrying its old
// secret after `key regenerate` is not guessing, and must not use up its address's failure budget and lock
// its own new key out; a brute force sends a different secret every time and still pays, and counts, every
// guess. A refusal cannot turn into an acceptance unless the key's hash changes, which announces itself (the
// entries of that prefix are dropped); they also expire.
import type { VerifiedKey } from './key-cache.ts';

export type RefusalReason = 'not_found' | 'secret_mismatch' | 'revoked' | 'expired' | 'wrong_environment';

export interface KeyRefusal {
  readonly reason: RefusalReason;
  /** The key the request claimed to be, when its prefix exists (for the audit attribution). */
  readonly key?: VerifiedKey;
}

const PER_PREFIX = 16;

export class RefusedSecrets {
  readonly #byPrefix = new Map<string, Map<string, { refusal: KeyRefusal; until: number }>>();

  constructor(private readonly maxPrefixes = 100_000) {}

  find(prefix: string, digest: string, now: number): KeyRefusal | undefined {
    const entry = this.#byPrefix.get(prefix)?.get(digest);
    return entry && entry.until > now ? entry.refusal : undefined;
  }

  add(prefix: string, digest: string, refusal: KeyRefusal, until: number): void {
    let entries = this.#byPrefix.get(prefix);
    if (!entries) {
      if (this.#byPrefix.size >= this.maxPrefixes) this.#dropOldestPrefix();
      entries = new Map();
      this.#byPrefix.set(prefix, entries);
    }
    if (entries.size >= PER_PREFIX) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
    entries.set(digest, { refusal, until });
  }

  dropPrefix(prefix: string): void {
    this.#byPrefix.delete(prefix);
  }

  dropPartner(partnerId: string): void {
    for (const [prefix, entries] of this.#byPrefix) {
      for (const { refusal } of entries.values()) {
        if (refusal.key?.partnerId === partnerId) {
          this.#byPrefix.delete(prefix);
          break;
        }
      }
    }
  }

  clear(): void {
    this.#byPrefix.clear();
  }

  #dropOldestPrefix(): void {
    const oldest = this.#byPrefix.keys().next().value;
    if (oldest !== undefined) this.#byPrefix.delete(oldest);
  }
}
