// Retention: removes whole expired, sealed ranges of the audit log, and records that it did. For each chain
// the range removed runs from its first stored event up to the latest sealed position whose event is older
// than the cutoff (and still has the hash its seal signed), so what remains starts right after a signed
// head. An `audit.purged` event appended to the same chain names that position and hash; the verifier
// accepts a chain that starts later than genesis only with both (see verify.ts, checkChainStarts).
// The append-only triggers allow DELETE only to tessera_audit_purge() (migration 010), which runs as a role of
// its own and refuses a range that no signed head covers or that has not expired.
import type { Actor } from '../actor.ts';
import type { Database, Environment } from '../db/database.ts';
import { appendAuditEvents } from './append.ts';
import { AUDIT_SEAL_LOCK_ID } from './seal.ts';
import { sequenceAllPending } from './sequence.ts';

export interface PurgedRange {
  chain_id: string;
  purged_from_chain_seq: string;
  purged_through_chain_seq: string;
  events: number;
}

export interface PurgeResult {
  before: string;
  events_removed: number;
  chains: PurgedRange[];
}

export async function purgeAuditEvents(db: Database, actor: Actor, before: Date): Promise<PurgeResult> {
  const result = await removeExpiredRanges(db, actor, before);
  // Until its `audit.purged` event has a place, a chain starts later than genesis with nothing on it to
  // explain why: place it now rather than leave the log failing verification until the sequencer looks.
  await sequenceAllPending(db);
  return result;
}

async function removeExpiredRanges(db: Database, actor: Actor, before: Date): Promise<PurgeResult> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_SEAL_LOCK_ID]);
    const anchors = await tx.query<{ chain_id: string; through: string; hash: string; seal_id: string }>(
      `SELECT DISTINCT ON (sh.chain_id) sh.chain_id, sh.chain_seq::text AS through, sh.hash, sh.seal_id
         FROM audit_seal_heads sh
         JOIN audit_events e ON e.chain_id = sh.chain_id AND e.chain_seq = sh.chain_seq
        WHERE e.recorded_at < $1 AND e.hash = sh.hash
        ORDER BY sh.chain_id, sh.chain_seq DESC`,
      [before.toISOString()],
    );
    const chains: PurgedRange[] = [];
    for (const anchor of anchors) {
      const [first] = await tx.query<{ first: string | null }>(
        'SELECT min(chain_seq)::text AS first FROM audit_events WHERE chain_id = $1',
        [anchor.chain_id],
      );
      const [purged] = await tx.query<{ events: number }>(
        'SELECT tessera_audit_purge($1, $2, $3) AS events',
        [anchor.chain_id, anchor.through, before.toISOString()],
      );
      const removed = { events: purged?.events ?? 0, first: first?.first ?? null };
      if (!removed || removed.events === 0 || removed.first === null) continue;
      const range = {
        chain_id: anchor.chain_id,
        purged_from_chain_seq: removed.first,
        purged_through_chain_seq: anchor.through,
        events: removed.events,
      };
      chains.push(range);
      const { partnerId, environment } = ownerOfChain(anchor.chain_id);
      await appendAuditEvents(tx, [
        actor.event('audit.purged', {
          partnerId,
          environment,
          detail: {
            purged_from_chain_seq: range.purged_from_chain_seq,
            purged_through_chain_seq: range.purged_through_chain_seq,
            purged_through_hash: anchor.hash,
            purged_events: range.events,
            seal_id: anchor.seal_id,
            before: before.toISOString(),
          },
        }),
      ]);
    }
    return { before: before.toISOString(), events_removed: chains.reduce((n, c) => n + c.events, 0), chains };
  });
}

/** The inverse of chainIdOf: '-' is no partner, 'ptn_…' partner-level, 'ptn_…/live' one environment. */
export function ownerOfChain(chainId: string): { partnerId: string | null; environment: Environment | null } {
  if (chainId === '-') return { partnerId: null, environment: null };
  const [partnerId = chainId, environment] = chainId.split('/');
  return { partnerId, environment: environment === 'live' || environment === 'test' ? environment : null };
}
