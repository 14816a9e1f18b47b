// Seals: every few seconds the head of each chain that grew since its last seal is signed with Ed25519 and
// stored. A seal covers one chain, so a partner's export can carry the seals of its own chains without
// revealing another partner's (or the other environment's) chain ids, positions or hashes. The heads map
// keeps the {chain_id: {chain_seq, hash}} shape, so a verifier does not care how many chains a seal holds.
// Several nodes may run this job at once: a transaction-level advisory lock makes them take turns, and the
// second finds nothing new to seal.
import type { Database, Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import type { Job } from '../jobs.ts';
import { canonicalJson } from './chain.ts';
import { sequenceAllPending } from './sequence.ts';
import { publishForSigning, type SigningKey, signMessage } from './signing-keys.ts';
import type { TreeHead } from './tree-head.ts';
import { issueTreeHeads } from './tree-store.ts';
import { appendWitnessHeads } from './witness-log.ts';

export interface SealedHead {
  chain_seq: string;
  hash: string;
}

export interface Seal {
  id: string;
  sealed_at: string;
  heads: Record<string, SealedHead>;
  key_id: string;
  /** base64 Ed25519 signature over sealMessage(seal). */
  signature: string;
}

/** An arbitrary constant naming "Tessera's audit seals and purges" in pg_advisory_xact_lock. */
export const AUDIT_SEAL_LOCK_ID = 7_362_514_091;

/** The exact bytes a seal's signature covers. */
export function sealMessage(seal: Pick<Seal, 'id' | 'sealed_at' | 'heads'>): string {
  return canonicalJson({ id: seal.id, sealed_at: seal.sealed_at, heads: seal.heads });
}

export interface SealOptions {
  now?: () => number;
  /** TESSERA_AUDIT_WITNESS_DIR: every signed head is also appended there, outside the database. */
  witnessDir?: string;
  /**
   * First place every event ingested so far (the default: a seal asked for by the CLI or an export must
   * cover them). The periodic job signs only what the cluster's sequencer has placed.
   */
  sequenceFirst?: boolean;
}

export function sealJob(
  db: Database,
  everyMs: number,
  signer: () => Promise<SigningKey | undefined>,
  options: SealOptions,
): Job {
  return {
    name: 'audit-seal',
    everyMs,
    run: async () => {
      const key = await signer();
      if (key) await sealAndSign(db, key, { ...options, sequenceFirst: false });
    },
  };
}

/** v1 seals of the chains that changed (see above); tree heads are issued in the same transaction. */
export async function sealChangedChains(
  db: Database,
  key: SigningKey,
  now: () => number = Date.now,
): Promise<Seal[]> {
  return (await sealAndSign(db, key, { now })).seals;
}

export async function sealAndSign(
  db: Database,
  key: SigningKey,
  options: SealOptions = {},
): Promise<{ seals: Seal[]; heads: TreeHead[] }> {
  const now = options.now ?? Date.now;
  if (options.sequenceFirst !== false) await sequenceAllPending(db);
  const result = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_SEAL_LOCK_ID]);
    await publishForSigning(tx, key, new Date(now()));
    const sealedAt = new Date(now()).toISOString();
    const changed = await tx.query<{ chain_id: string; chain_seq: string; hash: string }>(
      `SELECT h.chain_id, h.chain_seq::text AS chain_seq, h.hash FROM audit_chain_heads h
        WHERE h.chain_seq > coalesce((SELECT max(s.chain_seq) FROM audit_seal_heads s WHERE s.chain_id = h.chain_id), 0)`,
    );
    const seals = changed.map((head): Seal => {
      const unsigned = {
        id: newId('seal'),
        sealed_at: sealedAt,
        heads: { [head.chain_id]: { chain_seq: head.chain_seq, hash: head.hash } },
      };
      return { ...unsigned, key_id: key.keyId, signature: signMessage(key, sealMessage(unsigned)) };
    });
    if (seals.length > 0) await insertSeals(tx, seals);
    return { seals, heads: await issueTreeHeads(tx, key, sealedAt) };
  });
  if (options.witnessDir && result.heads.length > 0)
    await appendWitnessHeads(options.witnessDir, result.heads);
  return result;
}

async function insertSeals(tx: Queryable, seals: readonly Seal[]): Promise<void> {
  await tx.query(
    `INSERT INTO audit_seals (id, sealed_at, heads, key_id, signature)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::jsonb[], $4::text[], $5::text[])`,
    [
      seals.map((s) => s.id),
      seals.map((s) => s.sealed_at),
      seals.map((s) => JSON.stringify(s.heads)),
      seals.map((s) => s.key_id),
      seals.map((s) => s.signature),
    ],
  );
  const heads = seals.flatMap((seal) =>
    Object.entries(seal.heads).map(([chainId, head]) => ({ seal, chainId, head })),
  );
  await tx.query(
    `INSERT INTO audit_seal_heads (chain_id, chain_seq, hash, seal_id)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])`,
    [
      heads.map((h) => h.chainId),
      heads.map((h) => h.head.chain_seq),
      heads.map((h) => h.head.hash),
      heads.map((h) => h.seal.id),
    ],
  );
}

interface SealRow {
  id: string;
  sealed_at: Date | string;
  heads: Record<string, SealedHead>;
  key_id: string;
  signature: string;
}

const SEAL_COLUMNS = 's.id, s.sealed_at, s.heads, s.key_id, s.signature';

function toSeal(row: SealRow): Seal {
  const sealedAt = row.sealed_at instanceof Date ? row.sealed_at : new Date(row.sealed_at);
  return {
    id: row.id,
    sealed_at: sealedAt.toISOString(),
    heads: row.heads,
    key_id: row.key_id,
    signature: row.signature,
  };
}

export interface ChainRange {
  chainId: string;
  firstSeq: string;
  lastSeq: string;
}

/** The seals whose sealed heads fall inside the given chain ranges, ordered by chain then position. */
export async function sealsCovering(db: Queryable, ranges: readonly ChainRange[]): Promise<Seal[]> {
  if (ranges.length === 0) return [];
  const rows = await db.query<SealRow & { chain_id: string; chain_seq: string }>(
    `SELECT ${SEAL_COLUMNS}, sh.chain_id, sh.chain_seq::text AS chain_seq
       FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(chain_id, first_seq, last_seq)
       JOIN audit_seal_heads sh ON sh.chain_id = r.chain_id AND sh.chain_seq BETWEEN r.first_seq AND r.last_seq
       JOIN audit_seals s ON s.id = sh.seal_id`,
    [ranges.map((r) => r.chainId), ranges.map((r) => r.firstSeq), ranges.map((r) => r.lastSeq)],
  );
  rows.sort(
    (a, b) => compareText(a.chain_id, b.chain_id) || Number(BigInt(a.chain_seq) - BigInt(b.chain_seq)),
  );
  const seen = new Set<string>();
  return rows.filter((row) => !seen.has(row.id) && seen.add(row.id)).map(toSeal);
}

/** Every seal of one chain, as indexed in audit_seal_heads. */
export async function sealsOfChain(db: Queryable, chainId: string): Promise<Seal[]> {
  const rows = await db.query<SealRow>(
    `SELECT ${SEAL_COLUMNS} FROM audit_seal_heads sh JOIN audit_seals s ON s.id = sh.seal_id
      WHERE sh.chain_id = $1 ORDER BY sh.chain_seq`,
    [chainId],
  );
  return rows.map(toSeal);
}

/** Bytewise order, the same in every database collation and in every verifier. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
