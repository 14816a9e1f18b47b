// API keys in the database: create, list, revoke, regenerate. Each change commits with its audit event and
// a change notification, so every node drops its cached verification the moment the change commits.

import type { Actor } from '../actor.ts';
import { appendAuditEvents } from '../audit/append.ts';
import { notifyChange } from '../db/change-feed.ts';
import type { Database, Environment, Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import { ARGON2_COST, type Argon2Cost, hashSecret } from './argon2.ts';
import { formatKey, newPrefix, newSecret } from './format.ts';
import type { Scope } from './scopes.ts';

export interface KeyRecord {
  id: string;
  partner_id: string;
  environment: Environment;
  prefix: string;
  name: string;
  scopes: Scope[];
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** A key with its secret, returned exactly once: at creation or regeneration. */
export interface IssuedKey {
  record: KeyRecord;
  key: string;
}

export interface AuthKeyRow extends KeyRecord {
  secret_hash: string;
  partner_name: string;
  rate_limit_per_minute: number | null;
  partner_suspended: boolean;
}

const KEY_COLUMNS =
  'id, partner_id, environment, prefix, name, scopes, created_at, expires_at, last_used_at, revoked_at';

export interface NewKey {
  partnerId: string;
  environment: Environment;
  name: string;
  scopes: readonly Scope[];
  expiresAt: Date | null;
}

export async function createKey(
  db: Database,
  actor: Actor,
  input: NewKey,
  cost: Argon2Cost = ARGON2_COST,
): Promise<IssuedKey> {
  const secret = newSecret();
  const secretHash = await hashSecret(secret, cost);
  return db.transaction(async (tx) => {
    const record = await insertWithFreshPrefix(tx, input, secretHash);
    await appendAuditEvents(tx, [
      actor.event('key.created', {
        partnerId: record.partner_id,
        environment: record.environment,
        detail: { key_id: record.id, prefix: record.prefix, name: record.name, scopes: [...record.scopes] },
      }),
    ]);
    return { record, key: formatKey(record.environment, record.prefix, secret) };
  });
}

async function insertWithFreshPrefix(tx: Queryable, input: NewKey, secretHash: string): Promise<KeyRecord> {
  // 32^8 ≈ 10^12 prefixes: a collision is rare, and ON CONFLICT lets us simply draw again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const [record] = await tx.query<KeyRecord>(
      `INSERT INTO api_keys (id, partner_id, environment, prefix, name, scopes, secret_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (prefix) DO NOTHING RETURNING ${KEY_COLUMNS}`,
      [
        newId('key'),
        input.partnerId,
        input.environment,
        newPrefix(),
        input.name,
        [...input.scopes],
        secretHash,
        input.expiresAt,
      ],
    );
    if (record) return record;
  }
  throw new Error('could not draw an unused key prefix');
}

export async function listKeys(
  db: Database,
  partnerId: string,
  environment?: Environment,
): Promise<KeyRecord[]> {
  return db.query<KeyRecord>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE partner_id = $1 AND ($2::text IS NULL OR environment = $2)
     ORDER BY created_at DESC, id DESC`,
    [partnerId, environment ?? null],
  );
}

export async function findKey(
  db: Database,
  keyId: string,
  partnerId?: string,
): Promise<KeyRecord | undefined> {
  const [record] = await db.query<KeyRecord>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND ($2::text IS NULL OR partner_id = $2)`,
    [keyId, partnerId ?? null],
  );
  return record;
}

/** Revokes a key (idempotently: revoking twice keeps the first time). */
export async function revokeKey(
  db: Database,
  actor: Actor,
  keyId: string,
  partnerId?: string,
): Promise<KeyRecord | undefined> {
  return db.transaction(async (tx) => {
    const [record] = await tx.query<KeyRecord>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
        WHERE id = $1 AND ($2::text IS NULL OR partner_id = $2) RETURNING ${KEY_COLUMNS}`,
      [keyId, partnerId ?? null],
    );
    if (!record) return undefined;
    await appendAuditEvents(tx, [
      actor.event('key.revoked', {
        partnerId: record.partner_id,
        environment: record.environment,
        detail: { key_id: record.id, prefix: record.prefix },
      }),
    ]);
    await notifyChange(tx, 'key', record.prefix);
    return record;
  });
}

/** Issues a new secret for a key; the old secret stops working when this commits. */
export async function regenerateKey(
  db: Database,
  actor: Actor,
  keyId: string,
  partnerId?: string,
  cost: Argon2Cost = ARGON2_COST,
): Promise<IssuedKey | undefined | 'revoked'> {
  const secret = newSecret();
  const secretHash = await hashSecret(secret, cost);
  return db.transaction(async (tx) => {
    const [current] = await tx.query<KeyRecord>(
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND ($2::text IS NULL OR partner_id = $2) FOR UPDATE`,
      [keyId, partnerId ?? null],
    );
    if (!current) return undefined;
    if (current.revoked_at) return 'revoked';
    const [record] = await tx.query<KeyRecord>(
      `UPDATE api_keys SET secret_hash = $2, regenerated_at = now() WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
      [keyId, secretHash],
    );
    if (!record) throw new Error('key vanished during regeneration');
    await appendAuditEvents(tx, [
      actor.event('key.regenerated', {
        partnerId: record.partner_id,
        environment: record.environment,
        detail: { key_id: record.id, prefix: record.prefix },
      }),
    ]);
    await notifyChange(tx, 'key', record.prefix);
    return { record, key: formatKey(record.environment, record.prefix, secret) };
  });
}

/** The lookup authentication makes before it knows the partner: by prefix, platform-wide. */
export async function findKeyForAuth(db: Database, prefix: string): Promise<AuthKeyRow | undefined> {
  const [row] = await db.query<AuthKeyRow>(
    `SELECT k.id, k.partner_id, k.environment, k.prefix, k.name, k.scopes, k.created_at, k.expires_at,
            k.last_used_at, k.revoked_at, k.secret_hash, p.name AS partner_name, p.rate_limit_per_minute,
            p.suspended_at IS NOT NULL AS partner_suspended
       FROM api_keys k JOIN partners p ON p.id = k.partner_id WHERE k.prefix = $1`,
    [prefix],
  );
  return row;
}

export async function touchLastUsed(db: Database, keyIds: readonly string[]): Promise<void> {
  if (keyIds.length === 0) return;
  await db.query('UPDATE api_keys SET last_used_at = now() WHERE id = ANY($1::text[])', [[...keyIds]]);
}

/** What revoking from the console found: revoking an already revoked key changes and records nothing. */
export type RevokeOutcome =
  | { kind: 'revoked'; record: KeyRecord }
  | { kind: 'already_revoked'; record: KeyRecord }
  | { kind: 'not_found' };

/** Revokes a key once: the audit event and change notice are written only when this call revoked it. */
export async function revokeKeyOnce(
  db: Database,
  actor: Actor,
  keyId: string,
  partnerId: string,
): Promise<RevokeOutcome> {
  return db.transaction(async (tx) => {
    const [current] = await tx.query<KeyRecord>(
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND partner_id = $2 FOR UPDATE`,
      [keyId, partnerId],
    );
    if (!current) return { kind: 'not_found' };
    if (current.revoked_at) return { kind: 'already_revoked', record: current };
    const [record] = await tx.query<KeyRecord>(
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND partner_id = $2 RETURNING ${KEY_COLUMNS}`,
      [keyId, partnerId],
    );
    if (!record) throw new Error('key vanished during revocation');
    await appendAuditEvents(tx, [
      actor.event('key.revoked', {
        partnerId: record.partner_id,
        environment: record.environment,
        detail: { key_id: record.id, prefix: record.prefix },
      }),
    ]);
    await notifyChange(tx, 'key', record.prefix);
    return { kind: 'revoked', record };
  });
}

/** The longest a rolled key's old secret may keep working next to the new key. */
export const MAX_ROLL_OVERLAP_MS = 7 * 86_400_000;

export type RollOutcome =
  | { kind: 'rolled'; issued: IssuedKey; previous: KeyRecord }
  | { kind: 'revoked' }
  | { kind: 'not_found' };

/**
 * Rotation without downtime: a new key (new prefix and secret, same name, environment and scopes) now,
 * and the old key expiring at `oldExpiresAt` (within MAX_ROLL_OVERLAP_MS; an earlier expiry it already
 * had is kept). Unlike regenerateKey, the old secret keeps working until then, so clients can switch.
 */
export async function rollKey(
  db: Database,
  actor: Actor,
  input: { keyId: string; partnerId?: string; oldExpiresAt: Date; now: number },
  cost: Argon2Cost = ARGON2_COST,
): Promise<RollOutcome> {
  const overlap = input.oldExpiresAt.getTime() - input.now;
  if (!(overlap > 0 && overlap <= MAX_ROLL_OVERLAP_MS)) throw new RangeError('roll overlap out of range');
  const secret = newSecret();
  const secretHash = await hashSecret(secret, cost);
  return db.transaction(async (tx) => {
    const [current] = await tx.query<KeyRecord>(
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = $1 AND ($2::text IS NULL OR partner_id = $2) FOR UPDATE`,
      [input.keyId, input.partnerId ?? null],
    );
    if (!current) return { kind: 'not_found' };
    const expired = current.expires_at !== null && new Date(current.expires_at).getTime() <= input.now;
    if (current.revoked_at || expired) return { kind: 'revoked' };
    const [previous] = await tx.query<KeyRecord>(
      `UPDATE api_keys SET expires_at = LEAST(coalesce(expires_at, $2), $2) WHERE id = $1
       RETURNING ${KEY_COLUMNS}`,
      [current.id, input.oldExpiresAt],
    );
    if (!previous) throw new Error('key vanished during roll');
    const record = await insertWithFreshPrefix(
      tx,
      {
        partnerId: current.partner_id,
        environment: current.environment,
        name: current.name,
        scopes: current.scopes,
        expiresAt: null,
      },
      secretHash,
    );
    const target = { partnerId: record.partner_id, environment: record.environment };
    await appendAuditEvents(tx, [
      actor.event('key.created', {
        ...target,
        detail: { key_id: record.id, prefix: record.prefix, name: record.name, scopes: [...record.scopes] },
      }),
      actor.event('key.rolled', {
        ...target,
        detail: {
          key_id: previous.id,
          prefix: previous.prefix,
          new_key_id: record.id,
          new_prefix: record.prefix,
          expires_at: previous.expires_at ? new Date(previous.expires_at).toISOString() : null,
        },
      }),
    ]);
    await notifyChange(tx, 'key', previous.prefix);
    const issued = { record, key: formatKey(record.environment, record.prefix, secret) };
    return { kind: 'rolled', issued, previous };
  });
}
