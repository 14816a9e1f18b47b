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

export function checkCompleteness(
  manifest: Record<string, unknown>,
  events: readonly ChainedAuditEvent[],
  trusted: readonly PublicSigningKey[],
  problem: Report,
): void {
  if (manifest.version !== MANIFEST_VERSION) {
    problem(null, 'manifest_unsigned', 'the manifest is not a signed v2 manifest');
    return;
  }
  const signature = checkManifestSignature(manifest, trusted);
  if (signature !== 'ok') problem(null, signature, `the manifest signature check failed: ${signature}`);
  const scope = asScope(manifest.scope);
  const proofs = isRecord(manifest.proofs) ? manifest.proofs : {};
  const from = String(manifest.from);
  const to = String(manifest.to);
  const byChain = new Map<string, ChainedAuditEvent[]>();
  for (const event of events) {
    if (!scope.includes(event.chain_id)) {
      problem(
        event.chain_id,
        'manifest_mismatch',
        'the chain is outside the manifest scope',
        event.chain_seq,
      );
    }
    if (!(event.recorded_at >= from && event.recorded_at < to)) {
      problem(
        event.chain_id,
        'event_outside_period',
        'the event was recorded outside the period',
        event.chain_seq,
      );
    }
    const chain = byChain.get(event.chain_id);
    if (chain) chain.push(event);
    else byChain.set(event.chain_id, [event]);
  }
  for (const chainId of scope) {
    const proof = proofs[chainId];
    if (!isRecord(proof)) {
      problem(chainId, 'tree_head_missing', 'the manifest has no proof for this chain');
      continue;
    }
    checkChain(chainId, byChain.get(chainId) ?? [], proof, { from, to, trusted }, problem);
  }
}

function checkChain(
  chainId: string,
  events: readonly ChainedAuditEvent[],
  proof: Record<string, unknown>,
  period: { from: string; to: string; trusted: readonly PublicSigningKey[] },
  problem: Report,
): void {
  if (proof.events !== events.length) {
    problem(chainId, 'manifest_mismatch', `the manifest counts ${String(proof.events)} events of this chain`);
  }
  const before = asEvent(proof.before, chainId);
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
  const sequence = [...(before ? [before] : []), ...events, ...(after ? [after] : [])];
  checkLinks(chainId, sequence, before === undefined, problem);
  const anchor = sequence.at(-1);
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

function checkLinks(
  chainId: string,
  sequence: readonly ChainedAuditEvent[],
  fromGenesis: boolean,
  problem: Report,
) {
  const first = sequence[0];
  if (fromGenesis && first && (first.chain_seq !== '1' || first.prev_hash !== GENESIS_HASH)) {
    problem(
      chainId,
      'range_disconnected',
      'the period does not start at genesis or after a known event',
      first.chain_seq,
    );
  }
  for (let i = 1; i < sequence.length; i++) {
    const [previous, current] = [sequence[i - 1] as ChainedAuditEvent, sequence[i] as ChainedAuditEvent];
    if (
      BigInt(current.chain_seq) !== BigInt(previous.chain_seq) + 1n ||
      current.prev_hash !== previous.hash
    ) {
      problem(chainId, 'range_disconnected', 'the events do not connect', current.chain_seq);
    }
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
