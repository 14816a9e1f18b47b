// Verification of the audit log, as pure functions over events, seals and public keys (no database), used
// offline on an export and by the server on the database. Each event's hash is recomputed from its fields
// and the previous hash; positions must be contiguous and in order; every seal's Ed25519 signature is
// checked and every sealed head must be the event at that position. A chain's start is accepted only at
// genesis, at the start of an export (as its manifest says), or after a purge that an `audit.purged` event
// in the chain records and a signed seal anchors (see purge.ts).
import { eventHash, GENESIS_HASH } from './chain.ts';
import type { ChainedAuditEvent } from './event.ts';
import { compareText, type Seal, sealMessage } from './seal.ts';
import { type PublicSigningKey, verifyMessage } from './signing-keys.ts';

export type ProblemCode =
  | 'manifest_invalid'
  | 'parse_error'
  | 'sha256_mismatch'
  | 'manifest_mismatch'
  | 'out_of_order'
  | 'gap'
  | 'prev_hash_mismatch'
  | 'hash_mismatch'
  | 'seal_key_unknown'
  | 'seal_signature_invalid'
  | 'seal_head_mismatch'
  | 'sealed_event_missing'
  | 'chain_start_unexplained'
  | 'head_mismatch'
  // v2 (docs/audit-ledger.md §7.1 and §8)
  | 'manifest_unsigned'
  | 'key_untrusted'
  | 'manifest_signature_invalid'
  | 'event_outside_period'
  | 'tree_head_missing'
  | 'tree_head_mismatch'
  | 'tree_head_signature_invalid'
  | 'boundary_invalid'
  | 'range_disconnected'
  | 'inclusion_proof_invalid'
  | 'period_not_sealed'
  | 'witness_inconsistent';

export interface VerifyProblem {
  chain_id: string | null;
  chain_seq?: string;
  problem: ProblemCode;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  events: number;
  chains: number;
  /** Per chain, the highest position pinned by a validly signed seal that matched the event there. */
  sealed_through: Record<string, string>;
  problems: VerifyProblem[];
}

export interface ChainRangeExpectation {
  first_chain_seq: string;
  last_chain_seq: string;
  first_prev_hash: string;
  last_hash: string;
}

interface ChainState {
  first: bigint;
  firstPrev: string;
  last: bigint;
  lastHash: string;
  purges: Array<{ through: string; hash: string }>;
}

export class AuditVerifier {
  readonly #keys: Map<string, PublicSigningKey>;
  readonly #chains = new Map<string, ChainState>();
  /** chain → position → hashes that valid seals put there. */
  readonly #sealed = new Map<string, Map<bigint, string[]>>();
  readonly #sealedThrough = new Map<string, bigint>();
  readonly #problems: VerifyProblem[] = [];
  #current: string | undefined;
  #events = 0;
  #minSeq: bigint | undefined;
  #maxSeq: bigint | undefined;

  constructor(keys: readonly PublicSigningKey[]) {
    this.#keys = new Map(keys.map((key) => [key.key_id, key]));
  }

  problem(chainId: string | null, problem: ProblemCode, message: string, chainSeq?: string | bigint): void {
    const entry: VerifyProblem = { chain_id: chainId, problem, message };
    if (chainSeq !== undefined) entry.chain_seq = String(chainSeq);
    this.#problems.push(entry);
  }

  /** Seals must be added before the events of the chains they cover. */
  addSeal(seal: Seal): void {
    const problem = this.#sealProblem(seal);
    if (problem) {
      const chainIds = Object.keys(seal.heads);
      for (const chainId of chainIds.length > 0 ? chainIds : [null])
        this.problem(chainId, problem[0], problem[1]);
      return;
    }
    for (const [chainId, head] of Object.entries(seal.heads)) {
      if (!/^\d+$/.test(head.chain_seq)) continue;
      const positions = this.#sealed.get(chainId) ?? new Map<bigint, string[]>();
      this.#sealed.set(chainId, positions);
      const position = BigInt(head.chain_seq);
      positions.set(position, [...(positions.get(position) ?? []), head.hash]);
    }
  }

  #sealProblem(seal: Seal): [ProblemCode, string] | undefined {
    const key = this.#keys.get(seal.key_id);
    if (!key) return ['seal_key_unknown', `seal ${seal.id} is signed by unknown key ${seal.key_id}`];
    if (!verifyMessage(key, sealMessage(seal), seal.signature)) {
      return ['seal_signature_invalid', `seal ${seal.id} does not carry a valid signature`];
    }
    return undefined;
  }

  /** Events in the order they were read: by chain_id (bytewise), then chain_seq. */
  addEvent(event: ChainedAuditEvent): void {
    this.#events++;
    const chainId = event.chain_id;
    const seq = BigInt(event.chain_seq);
    const globalSeq = BigInt(event.seq);
    if (this.#minSeq === undefined || globalSeq < this.#minSeq) this.#minSeq = globalSeq;
    if (this.#maxSeq === undefined || globalSeq > this.#maxSeq) this.#maxSeq = globalSeq;
    if (chainId !== this.#current) {
      const earlier = this.#current !== undefined && compareText(chainId, this.#current) < 0;
      if (earlier || this.#chains.has(chainId)) {
        this.problem(chainId, 'out_of_order', 'the chain resumes after another chain', seq);
      }
      this.#current = chainId;
    }
    const { prev_hash: prevHash, hash } = event;
    // canonicalForm reads only the hashed fields, so the event is passed as it is (no copy without seq).
    if (eventHash(prevHash, event) !== hash) {
      this.problem(chainId, 'hash_mismatch', 'the event does not hash to its recorded hash', seq);
    }
    this.#checkSealedHead(chainId, seq, hash);

    const state = this.#chains.get(chainId);
    if (!state) {
      this.#chains.set(chainId, { first: seq, firstPrev: prevHash, last: seq, lastHash: hash, purges: [] });
      this.#notePurge(chainId, event);
      return;
    }
    if (seq <= state.last) {
      this.problem(chainId, 'out_of_order', `position ${seq} comes after position ${state.last}`, seq);
      return;
    }
    if (seq > state.last + 1n) {
      this.problem(chainId, 'gap', `positions ${state.last + 1n} to ${seq - 1n} are missing`, seq);
    } else if (prevHash !== state.lastHash) {
      this.problem(chainId, 'prev_hash_mismatch', 'the event does not link to the event before it', seq);
    }
    state.last = seq;
    state.lastHash = hash;
    this.#notePurge(chainId, event);
  }

  #checkSealedHead(chainId: string, seq: bigint, hash: string): void {
    const positions = this.#sealed.get(chainId);
    const sealedHashes = positions?.get(seq);
    if (!positions || !sealedHashes) return;
    positions.delete(seq);
    if (sealedHashes.every((sealed) => sealed === hash)) {
      if (seq > (this.#sealedThrough.get(chainId) ?? 0n)) this.#sealedThrough.set(chainId, seq);
    } else {
      this.problem(
        chainId,
        'seal_head_mismatch',
        'a signed seal records another event at this position',
        seq,
      );
    }
  }

  #notePurge(chainId: string, event: ChainedAuditEvent): void {
    const state = this.#chains.get(chainId);
    const through = event.detail?.purged_through_chain_seq;
    const hash = event.detail?.purged_through_hash;
    if (state && event.action === 'audit.purged' && typeof through === 'string' && typeof hash === 'string') {
      if (!state.purges.some((p) => p.through === through)) state.purges.push({ through, hash });
    }
  }

  /** Database mode: each chain must start at genesis or right after a recorded, sealed purge. */
  checkChainStarts(): void {
    for (const [chainId, state] of this.#chains) {
      if (state.first === 1n) {
        if (state.firstPrev !== GENESIS_HASH) {
          this.problem(chainId, 'prev_hash_mismatch', 'the first event does not start from genesis', 1n);
        }
        continue;
      }
      const through = state.first - 1n;
      const recorded = state.purges.some(
        (p) => p.through === through.toString() && p.hash === state.firstPrev,
      );
      const sealed = this.#sealed.get(chainId)?.get(through)?.includes(state.firstPrev) ?? false;
      if (!recorded || !sealed) {
        this.problem(
          chainId,
          'chain_start_unexplained',
          `the chain starts at position ${state.first} without a recorded and sealed purge before it`,
          state.first,
        );
      }
    }
  }

  /** A sealed position after a chain's last event means events were removed from its end. */
  checkNoSealedTailMissing(): void {
    for (const [chainId, positions] of this.#sealed) {
      const last = this.#chains.get(chainId)?.last ?? 0n;
      for (const position of positions.keys()) {
        if (position > last)
          this.problem(chainId, 'sealed_event_missing', 'a sealed event is missing', position);
      }
    }
  }

  /** The chain's last event must be the recorded head (audit_chain_heads) or the manifest's last event. */
  expectLast(
    chainId: string,
    chainSeq: string,
    hash: string,
    what: 'head_mismatch' | 'manifest_mismatch',
  ): void {
    const state = this.#chains.get(chainId);
    if (chainSeq === '0' && !state) return;
    if (!state || state.last.toString() !== chainSeq || state.lastHash !== hash) {
      this.problem(
        chainId,
        what,
        `the chain should end at position ${chainSeq} with hash ${hash.slice(0, 12)}…`,
      );
    }
  }

  expectRanges(expected: Record<string, ChainRangeExpectation>): void {
    for (const [chainId, range] of Object.entries(expected)) {
      const state = this.#chains.get(chainId);
      if (
        !state ||
        state.first.toString() !== range.first_chain_seq ||
        state.firstPrev !== range.first_prev_hash
      ) {
        this.problem(
          chainId,
          'manifest_mismatch',
          `the chain should start at position ${range.first_chain_seq}`,
        );
      }
      this.expectLast(chainId, range.last_chain_seq, range.last_hash, 'manifest_mismatch');
    }
    for (const chainId of this.#chains.keys()) {
      if (!Object.hasOwn(expected, chainId))
        this.problem(chainId, 'manifest_mismatch', 'the manifest has no such chain');
    }
  }

  expectCounts(count: number, firstSeq: string | null, lastSeq: string | null): void {
    if (
      count !== this.#events ||
      firstSeq !== (this.#minSeq?.toString() ?? null) ||
      lastSeq !== (this.#maxSeq?.toString() ?? null)
    ) {
      this.problem(
        null,
        'manifest_mismatch',
        `the manifest counts ${count} events, the file holds ${this.#events}`,
      );
    }
  }

  report(): VerifyReport {
    const sealedThrough: Record<string, string> = {};
    for (const chainId of [...this.#sealedThrough.keys()].sort(compareText)) {
      sealedThrough[chainId] = String(this.#sealedThrough.get(chainId));
    }
    return {
      ok: this.#problems.length === 0,
      events: this.#events,
      chains: this.#chains.size,
      sealed_through: sealedThrough,
      problems: [...this.#problems],
    };
  }
}
