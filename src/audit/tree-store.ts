// The Merkle trees in the database: a chain's leaves are its events' hashes in chain_seq order (purged
// events keep theirs in audit_purged_leaves), heads are signed by the sealing job under the seal lock, and
// proofs are computed from the leaves on request. Every function takes the chain id it may read: callers
// derive it from the caller's key or staff's explicit choice, never from the request body.
import type { Queryable } from '../db/database.ts';
import {
  appendLeaf,
  consistencyRanges,
  eventLeafHash,
  frontierFromHex,
  inclusionRanges,
  rootOfFrontier,
  rootsOfRanges,
} from './merkle.ts';
import type { SigningKey } from './signing-keys.ts';
import { signTreeHead, type TreeHead } from './tree-head.ts';

const LEAF_BATCH = 10_000;

/**
 * The leaf hashes of a chain's first `size` positions in order, read in keyset-paginated batches (constant
 * memory). Ends early, short of `size`, at the first missing position.
 */
export async function* streamLeafHashes(
  db: Queryable,
  chainId: string,
  size: bigint,
): AsyncGenerator<Buffer> {
  let next = 1n;
  while (next <= size) {
    const rows = await db.query<{ chain_seq: string; hash: string }>(
      `SELECT chain_seq::text AS chain_seq, hash FROM (
         SELECT chain_seq, hash FROM audit_purged_leaves WHERE chain_id = $1 AND chain_seq >= $2 AND chain_seq <= $3
         UNION ALL
         SELECT chain_seq, hash FROM audit_events WHERE chain_id = $1 AND chain_seq >= $2 AND chain_seq <= $3
           AND chain_seq > coalesce((SELECT max(chain_seq) FROM audit_purged_leaves WHERE chain_id = $1), 0)
       ) AS l ORDER BY l.chain_seq LIMIT $4`,
      [chainId, next.toString(), size.toString(), LEAF_BATCH],
    );
    for (const row of rows) {
      if (BigInt(row.chain_seq) !== next) return;
      yield eventLeafHash(row.hash);
      next += 1n;
    }
    if (rows.length < LEAF_BATCH) return;
  }
}

/** The right edge of a chain's tree of `size`, from its leaves (undefined when one is missing). */
export async function frontierFromLeaves(
  db: Queryable,
  chainId: string,
  size: bigint,
): Promise<Buffer[] | undefined> {
  const frontier: Buffer[] = [];
  let count = 0n;
  for await (const leaf of streamLeafHashes(db, chainId, size)) {
    appendLeaf(frontier, count, leaf);
    count += 1n;
  }
  return count === size ? frontier : undefined;
}

/** Signs a head for every chain that grew since its last signed head. Call under AUDIT_SEAL_LOCK_ID. */
export async function issueTreeHeads(tx: Queryable, key: SigningKey, timestamp: string): Promise<TreeHead[]> {
  const grown = await tx.query<{ chain_id: string; chain_seq: string; frontier: string | null }>(
    `SELECT h.chain_id, h.chain_seq::text AS chain_seq, h.frontier FROM audit_chain_heads h
      WHERE h.chain_seq > coalesce((SELECT max(t.tree_size) FROM audit_tree_heads t WHERE t.chain_id = h.chain_id), 0)
      ORDER BY h.chain_id`,
  );
  const heads: TreeHead[] = [];
  for (const chain of grown) {
    const root = await rootOfChain(tx, chain.chain_id, BigInt(chain.chain_seq), chain.frontier);
    if (!root) continue;
    heads.push(
      signTreeHead(key, {
        chain_id: chain.chain_id,
        tree_size: chain.chain_seq,
        root_hash: root.toString('hex'),
        timestamp,
      }),
    );
  }
  if (heads.length > 0) {
    await tx.query(
      `INSERT INTO audit_tree_heads (chain_id, tree_size, root_hash, signed_at, key_id, signature)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::text[])`,
      [
        heads.map((h) => h.chain_id),
        heads.map((h) => h.tree_size),
        heads.map((h) => h.root_hash),
        heads.map((h) => h.timestamp),
        heads.map((h) => h.key_id),
        heads.map((h) => h.signature),
      ],
    );
  }
  return heads;
}

/** From the head's frontier (kept by the sequencer), or from the leaves for a chain moved before it was. */
async function rootOfChain(
  tx: Queryable,
  chainId: string,
  size: bigint,
  frontier: string | null,
): Promise<Buffer | undefined> {
  const edge = frontier === null ? await frontierFromLeaves(tx, chainId, size) : frontierFromHex(frontier);
  return edge ? rootOfFrontier(edge) : undefined;
}

interface HeadRow {
  chain_id: string;
  tree_size: string;
  root_hash: string;
  signed_at: Date | string;
  key_id: string;
  signature: string;
}

function toTreeHead(row: HeadRow): TreeHead {
  return {
    chain_id: row.chain_id,
    tree_size: row.tree_size,
    root_hash: row.root_hash,
    timestamp: new Date(row.signed_at).toISOString(),
    key_id: row.key_id,
    signature: row.signature,
  };
}

const HEAD_COLUMNS = 'chain_id, tree_size::text AS tree_size, root_hash, signed_at, key_id, signature';

/** The latest signed head of a chain, or the one of exactly `size`. */
export async function findTreeHead(
  db: Queryable,
  chainId: string,
  size?: bigint,
): Promise<TreeHead | undefined> {
  const [row] =
    size === undefined
      ? await db.query<HeadRow>(
          `SELECT ${HEAD_COLUMNS} FROM audit_tree_heads WHERE chain_id = $1 ORDER BY audit_tree_heads.tree_size DESC LIMIT 1`,
          [chainId],
        )
      : await db.query<HeadRow>(
          `SELECT ${HEAD_COLUMNS} FROM audit_tree_heads WHERE chain_id = $1 AND tree_size = $2`,
          [chainId, size.toString()],
        );
  return row ? toTreeHead(row) : undefined;
}

/** Every signed head of a chain, oldest first. */
export async function treeHeadsOf(db: Queryable, chainId: string): Promise<TreeHead[]> {
  const rows = await db.query<HeadRow>(
    `SELECT ${HEAD_COLUMNS} FROM audit_tree_heads WHERE chain_id = $1 ORDER BY audit_tree_heads.tree_size`,
    [chainId],
  );
  return rows.map(toTreeHead);
}

/** The audit path of leaf `chainSeq` (1-based) in the tree of `size`, as hex; undefined when impossible. */
export async function proveInclusion(
  db: Queryable,
  chainId: string,
  chainSeq: bigint,
  size: bigint,
): Promise<string[] | undefined> {
  if (chainSeq < 1n || chainSeq > size) return undefined;
  const ranges = inclusionRanges(Number(chainSeq - 1n), Number(size));
  const roots = await rootsOfRanges(streamLeafHashes(db, chainId, size), Number(size), ranges);
  return roots?.map((h) => h.toString('hex'));
}

export async function proveConsistency(
  db: Queryable,
  chainId: string,
  first: bigint,
  second: bigint,
): Promise<string[] | undefined> {
  if (first < 1n || first > second) return undefined;
  const ranges = consistencyRanges(Number(first), Number(second));
  const roots = await rootsOfRanges(streamLeafHashes(db, chainId, second), Number(second), ranges);
  return roots?.map((h) => h.toString('hex'));
}
