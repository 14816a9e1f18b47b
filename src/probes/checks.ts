// The checks Tessera itself registers for /readyz. Each answers one question a load balancer cares about:
// can this node serve a request right now, with everything a request needs?
import type { GroupCommitWriter } from '../audit/group-commit.ts';
import type { Signer } from '../audit/signer.ts';
import type { ChangeFeed } from '../db/change-feed.ts';
import type { Database } from '../db/database.ts';
import { loadMigrations, migrationStatus } from '../db/migrate.ts';
import type { Readiness } from './readiness.ts';

export interface CoreCheckSources {
  db: Database;
  feed: Pick<ChangeFeed, 'listening'>;
  auditWriter: Pick<GroupCommitWriter, 'backlog'>;
  /** The audit signing key (from TESSERA_AUDIT_SIGNING_KEY_FILE, or generated on the embedded default). */
  signer: Signer;
}

/** A backlog this deep means the database no longer keeps up with this node's audit events. */
export const AUDIT_BACKLOG_LIMIT = 5_000;

export function registerCoreChecks(readiness: Readiness, sources: CoreCheckSources): void {
  const { db, feed, auditWriter, signer } = sources;
  const migrations = loadMigrations();
  readiness.register('database', async () => (await db.query('SELECT 1 AS ok')).length === 1);
  readiness.register('migrations', async () => {
    const plan = await migrationStatus(db, migrations);
    return plan.pending.length === 0 && plan.problems.length === 0;
  });
  // Without the feed a revoked key could keep working on this node until its cache entry ages out.
  readiness.register('change_feed', () => feed.listening);
  readiness.register('audit_writer', () => auditWriter.backlog < AUDIT_BACKLOG_LIMIT);
  // Without it no tree head is signed: exports could not be proven complete.
  readiness.register('signing_keys', async () => (await signer()) !== undefined);
}
