// Verification of the whole audit log in the database: every chain is walked in chain_seq order in
// keyset-paginated batches (constant memory), with its seals checked first, and its last event compared with
// the recorded chain head. Heads are read once at the start and each chain is walked up to that head, so
// events appended while verification runs are neither reported nor required.
import type { Queryable } from '../db/database.ts';
import { type EventRow, EXPORT_BATCH_SIZE, toChainedEvent } from './export.ts';
import { appendLeaf, rootOfFrontier } from './merkle.ts';
import { compareText, sealsOfChain } from './seal.ts';
import { listPublicKeys } from './signing-keys.ts';
import type { TreeHead } from './tree-head.ts';
import { streamLeafHashes, treeHeadsOf } from './tree-store.ts';
import { AuditVerifier, type VerifyReport } from './verify.ts';
import { readWitnessHeads } from './witness-log.ts';

export async function verifyDatabase(db: Queryable, witnessDir?: string): Promise<VerifyReport> {
  const verifier = new AuditVerifier(await listPublicKeys(db));
  const heads = await db.query<{ chain_id: string; chain_seq: string; hash: string }>(
    'SELECT chain_id, chain_seq::text AS chain_seq, hash FROM audit_chain_heads',
  );
  const headOf = new Map(heads.map((head) => [head.chain_id, head]));
  // Chains that have events but no head are walked too: a forged chain must not hide behind a missing head.
  const withEvents = await db.query<{ chain_id: string }>('SELECT DISTINCT chain_id FROM audit_events');
  const chainIds = [...new Set([...headOf.keys(), ...withEvents.map((row) => row.chain_id)])].sort(
    compareText,
  );

  for (const chainId of chainIds) {
    const limit = headOf.get(chainId)?.chain_seq ?? '9223372036854775807';
    for (const seal of await sealsOfChain(db, chainId)) {
      const head = seal.heads[chainId];
      if (head && BigInt(head.chain_seq) <= BigInt(limit)) verifier.addSeal(seal);
    }
    let after = '0';
    for (;;) {
      const rows = await db.query<EventRow>(
        `SELECT seq::text AS seq, id, chain_id, chain_seq::text AS chain_seq, recorded_at, occurred_at, request_id,
                partner_id, environment, actor_type, actor_id, action, method, path, status, error_code, client_ip,
                user_agent, latency_ms, detail, prev_hash, hash
           FROM audit_events WHERE chain_id = $1 AND chain_seq > $2 AND chain_seq <= $3
          ORDER BY audit_events.chain_seq LIMIT $4`,
        [chainId, after, limit, EXPORT_BATCH_SIZE],
      );
      for (const row of rows) verifier.addEvent(toChainedEvent(row));
      after = rows.at(-1)?.chain_seq ?? after;
      if (rows.length < EXPORT_BATCH_SIZE) break;
    }
  }
  verifier.checkChainStarts();
  verifier.checkNoSealedTailMissing();
  for (const head of heads) verifier.expectLast(head.chain_id, head.chain_seq, head.hash, 'head_mismatch');
  await checkSealIndex(db, verifier);
  await checkTreesStillHeld(db, verifier, witnessDir);
  return verifier.report();
}

/**
 * Every signed head — those in the database and, above all, those each node appended to the witness
 * directory, out of an attacker's reach — must still be the root of the chain's first tree_size leaves.
 * A deleted tail, a rewritten event (even re-linked and re-signed) or a removed head all show here. Each
 * chain's leaves are read once, in order, and every head is checked as the tree reaches its size.
 */
async function checkTreesStillHeld(db: Queryable, verifier: AuditVerifier, witnessDir: string | undefined) {
  const stored = await db.query<{ chain_id: string }>('SELECT DISTINCT chain_id FROM audit_tree_heads');
  const heads = [
    ...(await Promise.all(stored.map((row) => treeHeadsOf(db, row.chain_id)))).flat(),
    ...(witnessDir ? await readWitnessHeads(witnessDir) : []),
  ];
  const byChain = new Map<string, TreeHead[]>();
  for (const head of heads) byChain.set(head.chain_id, [...(byChain.get(head.chain_id) ?? []), head]);
  for (const [chainId, chainHeads] of byChain) {
    for (const head of await headsNotHeld(db, chainId, chainHeads)) {
      verifier.problem(
        chainId,
        'witness_inconsistent',
        `the database no longer holds the tree of ${head.tree_size} leaves that a signed head recorded`,
        head.tree_size,
      );
    }
  }
}

async function headsNotHeld(db: Queryable, chainId: string, heads: readonly TreeHead[]): Promise<TreeHead[]> {
  const pending = [...heads].sort((a, b) => Number(BigInt(a.tree_size) - BigInt(b.tree_size)));
  const largest = BigInt(pending.at(-1)?.tree_size ?? '0');
  const notHeld: TreeHead[] = [];
  const frontier: Buffer[] = [];
  let size = 0n;
  for await (const leaf of streamLeafHashes(db, chainId, largest)) {
    appendLeaf(frontier, size, leaf);
    size += 1n;
    while (pending[0] && BigInt(pending[0].tree_size) === size) {
      const head = pending.shift() as TreeHead;
      if (rootOfFrontier(frontier).toString('hex') !== head.root_hash) notHeld.push(head);
    }
  }
  // Heads past the last leaf the database still holds in order.
  return [...notHeld, ...pending];
}

/** Every seal must be indexed by its heads, or a seal could be hidden from the checks above. */
async function checkSealIndex(db: Queryable, verifier: AuditVerifier): Promise<void> {
  const unindexed = await db.query<{ id: string }>(
    `SELECT s.id FROM audit_seals s, jsonb_each(s.heads) AS h(chain_id, head)
      WHERE NOT EXISTS (SELECT 1 FROM audit_seal_heads sh
                         WHERE sh.seal_id = s.id AND sh.chain_id = h.chain_id
                           AND sh.chain_seq::text = h.head->>'chain_seq' AND sh.hash = h.head->>'hash')
      LIMIT 100`,
  );
  for (const row of unindexed) {
    verifier.problem(null, 'seal_head_mismatch', `seal ${row.id} is not indexed under the heads it signs`);
  }
}
