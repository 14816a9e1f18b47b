// The v2 part of an export manifest (docs/audit-ledger.md §7): for every chain in the export's scope, the
// signed tree head and the evidence that the file holds exactly that chain's events of the period — the
// event just before the period, the first one after it, and an inclusion proof of the last of them — and
// the manifest's own Ed25519 signature over its canonical JSON.
import { canonicalJson } from './chain.ts';
import type { ChainedAuditEvent } from './event.ts';
import {
  type PublicSigningKey,
  type SigningKey,
  signMessage,
  validAt,
  verifyMessage,
} from './signing-keys.ts';
import type { TreeHead } from './tree-head.ts';

export const MANIFEST_VERSION = 'tessera-audit-export-v2';

export interface ChainProof {
  /** How many of the chain's events the file holds. */
  events: number;
  /** The chain's last event recorded before `from` (null: the period starts at the chain's genesis). */
  before: ChainedAuditEvent | null;
  /** The chain's first event recorded at or after `to` (null: none was in the tree when exported). */
  after: ChainedAuditEvent | null;
  tree_head: TreeHead | null;
  /** RFC 9162 audit path, hex, of the last of before/events/after in tree_head. */
  anchor_proof: string[];
}

export interface ManifestSignature {
  version: typeof MANIFEST_VERSION;
  scope: { partner_id: string | null; chain_ids: string[] };
  proofs: Record<string, ChainProof>;
  signed_at: string;
  key_id: string;
  signature: string;
}

/** The bytes a manifest's signature covers: its label, LF, then its canonical JSON without `signature`. */
export function manifestMessage(manifest: Record<string, unknown>): Buffer {
  const { signature: _signature, ...rest } = manifest;
  return Buffer.from(`${MANIFEST_VERSION}\n${canonicalJson(rest)}`, 'utf8');
}

export function signManifest<T extends Record<string, unknown>>(
  key: SigningKey,
  unsigned: T,
  signedAt: string,
): T & { signed_at: string; key_id: string; signature: string } {
  const body = { ...unsigned, signed_at: signedAt, key_id: key.keyId };
  return { ...body, signature: signMessage(key, manifestMessage(body)) };
}

export type ManifestCheck = 'ok' | 'manifest_unsigned' | 'key_untrusted' | 'manifest_signature_invalid';

export function checkManifestSignature(
  manifest: Record<string, unknown>,
  trusted: readonly PublicSigningKey[],
): ManifestCheck {
  const { key_id: keyId, signature, signed_at: signedAt } = manifest;
  if (typeof keyId !== 'string' || typeof signature !== 'string' || typeof signedAt !== 'string') {
    return 'manifest_unsigned';
  }
  const key = trusted.find((k) => k.key_id === keyId);
  if (!key) return 'key_untrusted';
  if (!verifyMessage(key, manifestMessage(manifest), signature) || !validAt(key, signedAt)) {
    return 'manifest_signature_invalid';
  }
  return 'ok';
}
