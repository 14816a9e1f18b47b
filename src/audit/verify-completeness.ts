// The v2 checks of an export (docs/audit-ledger.md §7.1): the manifest's own signature, and for every
// chain in its signed scope, proof against a signed tree head that the file holds all of the chain's
// events of the period and nothing else: the event before the period, the file's events and the event
// after it must link without a gap, and the last of them must be included in the signed tree. Pure.
import { eventHash, GENESIS_HASH } from './chain.ts';
import type { ChainedAuditEvent } from './event.ts';
import { checkManifestSignature, MANIFEST_VERSION } from './manifest-signature.ts';
import { eventLeafHash, verifyInclusion } from './merkle.ts';
import type { PublicSigningKey } from './signing-keys.ts';
import { checkTreeHead, type TreeHead } from './tree-head.ts';
import type { AuditVerifier } from './verify.ts';

type Report = AuditVerifier['problem'];
type Problem = Parameters<Report>;

/** Per chain of the scope: what the file holds, read one event at a time. */
interface ChainSeen {
  events: number;
  /** The last event read, or the event before the period until the chain's first event is read. */
  previous: ChainedAuditEvent | undefined;
  before: ChainedAuditEvent | undefined;
  links: Problem[];
}

/**
 * Fed the file's events in order, then finished once: memory grows with the number of chains, not events.
 * Problems are reported in the order of a check over the whole file: the manifest signature, then each
 * event's scope and period, then chain by chain.
 */
export class CompletenessCheck {
  readonly #manifest: Record<string, unknown>;
  readonly #trusted: readonly PublicSigningKey[];
  readonly #signed: boolean;
  readonly #proofs: Record<string, unknown>;
  readonly #from: string;
  readonly #to: string;
  readonly #eventProblems: Problem[] = [];
  readonly #chains = new Map<string, ChainSeen>();

  constructor(manifest: Record<string, unknown>, trusted: readonly PublicSigningKey[]) {
    this.#manifest = manifest;
    this.#trusted = trusted;
    this.#signed = manifest.version === MANIFEST_VERSION;
    this.#proofs = isRecord(manifest.proofs) ? manifest.proofs : {};
    this.#from = String(manifest.from);
    this.#to = String(manifest.to);
    // The chains of the signed scope; an event of any other chain is outside it.
    for (const chainId of asScope(manifest.scope)) {
      const proof = this.#proofs[chainId];
      const before = isRecord(proof) ? asEvent(proof.before, chainId) : undefined;
      this.#chains.set(chainId, { events: 0, previous: before, before, links: [] });
    }
  }

  addEvent(event: ChainedAuditEvent): void {
    if (!this.#signed) return;
    const chain = this.#chains.get(event.chain_id);
    if (!chain) {
      this.#eventProblems.push([
        event.chain_id,
        'manifest_mismatch',
        'the chain is outside the manifest scope',
        event.chain_seq,
      ]);
    }
    if (!(event.recorded_at >= this.#from && event.recorded_at < this.#to)) {
      this.#eventProblems.push([
        event.chain_id,
        'event_outside_period',
        'the event was recorded outside the period',
        event.chain_seq,
      ]);
    }
    if (chain) {
      chain.events++;
      link(event.chain_id, chain, event);
    }
  }

  finish(problem: Report): void {
    if (!this.#signed) {
      problem(null, 'manifest_unsigned', 'the manifest is not a signed v2 manifest');
      return;
    }
    const signature = checkManifestSignature(this.#manifest, this.#trusted);
    if (signature !== 'ok') problem(null, signature, `the manifest signature check failed: ${signature}`);
    for (const args of this.#eventProblems) problem(...args);
    for (const [chainId, chain] of this.#chains) {
      const proof = this.#proofs[chainId];
      if (!isRecord(proof)) {
        problem(chainId, 'tree_head_missing', 'the manifest has no proof for this chain');
        continue;
      }
      checkChain(chainId, chain, proof, { from: this.#from, to: this.#to, trusted: this.#trusted }, problem);
    }
  }
}

function checkChain(
  chainId: string,
  chain: ChainSeen,
  proof: Record<string, unknown>,
  period: { from: string; to: string; trusted: readonly PublicSigningKey[] },
  problem: Report,
): void {
  if (proof.events !== chain.events) {
    problem(chainId, 'manifest_mismatch', `the manifest counts ${String(proof.events)} events of this chain`);
  }
  const { before } = chain;
  const after = asEvent(proof.after, chainId);
  for (const boundary of [before, after]) {
    if (boundary && eventHash(boundary.prev_hash, withoutHashes(boundary)) !== boundary.hash) {
      problem(chainId, 'hash_mismatch', 'a boundary event does not hash to its hash', boundary.chain_seq);
    }
  }
  if (before && !(before.recorded_at < period.from)) {
    problem(chainId, 'boundary_invalid', 'the event before the period is not before it', before.chain_seq);
  }
  if (after && !(after.recorded_at >= period.to)) {
    problem(chainId, 'boundary_invalid', 'the event after the period is not after it', after.chain_seq);
  }
  if (after) link(chainId, chain, after);
  for (const args of chain.links) problem(...args);
  const anchor = chain.previous;
  const head = proof.tree_head as TreeHead | null | undefined;
  if (!anchor) {
    if (head) problem(chainId, 'range_disconnected', 'the chain has a signed tree but no events to anchor');
    return;
  }
  if (!head) {
    problem(chainId, 'tree_head_missing', 'no signed tree head covers the chain');
    return;
  }
  checkAnchor(chainId, head, anchor, proof.anchor_proof, period.trusted, problem);
  if (!after) {
    problem(chainId, 'period_not_sealed', 'no event after the period is in a signed tree yet');
  }
}

/**
 * The event before the period, the file's events and the event after it must connect: without an event
 * before, the first must be the chain's genesis; each next one the position after its predecessor, linked
 * to its hash.
 */
function link(chainId: string, chain: ChainSeen, current: ChainedAuditEvent): void {
  const { previous } = chain;
  chain.previous = current;
  if (!previous) {
    if (current.chain_seq !== '1' || current.prev_hash !== GENESIS_HASH) {
      chain.links.push([
        chainId,
        'range_disconnected',
        'the period does not start at genesis or after a known event',
        current.chain_seq,
      ]);
    }
    return;
  }
  if (BigInt(current.chain_seq) !== BigInt(previous.chain_seq) + 1n || current.prev_hash !== previous.hash) {
    chain.links.push([chainId, 'range_disconnected', 'the events do not connect', current.chain_seq]);
  }
}

function checkAnchor(
  chainId: string,
  head: TreeHead,
  anchor: ChainedAuditEvent,
  path: unknown,
  trusted: readonly PublicSigningKey[],
  problem: Report,
): void {
  const check = checkTreeHead(head, trusted);
  if (check !== 'ok') {
    const code = check === 'key_untrusted' ? 'key_untrusted' : 'tree_head_signature_invalid';
    problem(chainId, code, `the tree head check failed: ${check}`);
    return;
  }
  if (head.chain_id !== chainId) problem(chainId, 'tree_head_mismatch', 'the tree head is for another chain');
  const proof = Array.isArray(path) && path.every((p) => typeof p === 'string' && /^[0-9a-f]{64}$/.test(p));
  const index = Number(anchor.chain_seq) - 1;
  const included =
    proof &&
    /^[0-9a-f]{64}$/.test(anchor.hash) &&
    verifyInclusion(
      eventLeafHash(anchor.hash),
      index,
      Number(head.tree_size),
      (path as string[]).map((p) => Buffer.from(p, 'hex')),
      Buffer.from(head.root_hash, 'hex'),
    );
  if (!included) {
    problem(
      chainId,
      'inclusion_proof_invalid',
      'the last event is not proven in the signed tree',
      anchor.chain_seq,
    );
  }
}

function withoutHashes(event: ChainedAuditEvent) {
  const { seq: _seq, prev_hash: _prev, hash: _hash, ...fields } = event;
  return fields;
}

function asEvent(value: unknown, chainId: string): ChainedAuditEvent | undefined {
  if (!isRecord(value)) return undefined;
  const ok =
    value.chain_id === chainId &&
    typeof value.chain_seq === 'string' &&
    /^[1-9]\d*$/.test(value.chain_seq) &&
    typeof value.recorded_at === 'string' &&
    typeof value.prev_hash === 'string' &&
    typeof value.hash === 'string';
  return ok ? (value as unknown as ChainedAuditEvent) : undefined;
}

function asScope(value: unknown): string[] {
  if (!isRecord(value) || !Array.isArray(value.chain_ids)) return [];
  return value.chain_ids.filter((id): id is string => typeof id === 'string');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
