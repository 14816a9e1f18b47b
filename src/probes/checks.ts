// The checks Tessera itself registers for /readyz. Each answers one question a load balancer cares about:
// can this node serve a request right now, with everything a request needs?
import { createPrivateKey } from 'node:crypto';
import type { GroupCommitWriter } from '../audit/group-commit.ts';
import { AUDIT_SEAL_LOCK_ID } from '../audit/seal.ts';
import { currentSigningKey } from '../audit/signing-keys.ts';
import type { ChangeFeed } from '../db/change-feed.ts';
import type { Database } from '../db/database.ts';
import { loadMigrations, migrationStatus } from '../db/migrate.ts';
import type { Readiness } from './readiness.ts';

export interface CoreCheckSources {
  db: Database;
  feed: Pick<ChangeFeed, 'listening'>;
  auditWriter: Pick<GroupCommitWriter, 'backlog'>;
}

/** A backlog this deep means the database no longer keeps up with this node's audit events. */
export const AUDIT_BACKLOG_LIMIT = 5_000;

export function registerCoreChecks(readiness: Readiness, sources: CoreCheckSources): void {
  const { db, feed, auditWriter } = sources;
  const migrations = loadMigrations();
  readiness.register('database', async () => (await db.query('SELECT 1 AS ok')).length === 1);
  readiness.register('migrations', async () => {
    const plan = await migrationStatus(db, migrations);
    return plan.pending.length === 0 && plan.problems.length === 0;
  });
  // Without the feed a revoked key could keep working on this node until its cache entry ages out.
  readiness.register('change_feed', () => feed.listening);
  readiness.register('audit_writer', () => auditWriter.backlog < AUDIT_BACKLOG_LIMIT);
  readiness.register('signing_keys', async () => {
    const [row] = await db.query<{ private_key: string }>(
      'SELECT private_key FROM audit_signing_keys ORDER BY created_at DESC, key_id DESC LIMIT 1',
    );
    return row !== undefined && createPrivateKey(row.private_key).asymmetricKeyType === 'ed25519';
  });
}

/** Creates the seal signing key at start (under the seal lock) rather than at the first seal. */
export async function ensureSigningKey(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_SEAL_LOCK_ID]);
    await currentSigningKey(tx);
  });
}
