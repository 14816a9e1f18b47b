// Signed tree heads (docs/audit-ledger.md §4): a chain's Merkle tree size and root at a time, signed with
// Ed25519 over a fixed line-based text, so that a verifier in any language rebuilds the exact bytes
// without a JSON canonicaliser. Verification checks the key is trusted and was valid at the head's time.
import {
  type PublicSigningKey,
  type SigningKey,
  signMessage,
  validAt,
  verifyMessage,
} from './signing-keys.ts';

export interface TreeHead {
  chain_id: string;
  /** Decimal, as a string: sizes are 64-bit. */
  tree_size: string;
  /** 64 lowercase hex. */
  root_hash: string;
  /** ISO 8601 UTC with milliseconds. */
  timestamp: string;
  key_id: string;
  /** base64 Ed25519 signature over treeHeadMessage(head). */
  signature: string;
}

export const TREE_HEAD_LABEL = 'tessera-audit-tree-head-v1';

export function treeHeadMessage(head: Omit<TreeHead, 'signature'>): Buffer {
  const lines = [TREE_HEAD_LABEL, head.chain_id, head.tree_size, head.root_hash, head.timestamp, head.key_id];
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

export function signTreeHead(key: SigningKey, unsigned: Omit<TreeHead, 'signature' | 'key_id'>): TreeHead {
  const head = { ...unsigned, key_id: key.keyId };
  return { ...head, signature: signMessage(key, treeHeadMessage(head)) };
}

export type TreeHeadCheck = 'ok' | 'key_untrusted' | 'key_not_valid_then' | 'signature_invalid' | 'malformed';

export function checkTreeHead(head: TreeHead, trusted: readonly PublicSigningKey[]): TreeHeadCheck {
  if (!isTreeHead(head)) return 'malformed';
  const key = trusted.find((k) => k.key_id === head.key_id);
  if (!key) return 'key_untrusted';
  if (!verifyMessage(key, treeHeadMessage(head), head.signature)) return 'signature_invalid';
  return validAt(key, head.timestamp) ? 'ok' : 'key_not_valid_then';
}

export function isTreeHead(value: unknown): value is TreeHead {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.chain_id === 'string' &&
    typeof v.tree_size === 'string' &&
    /^[1-9]\d{0,18}$/.test(v.tree_size) &&
    typeof v.root_hash === 'string' &&
    /^[0-9a-f]{64}$/.test(v.root_hash) &&
    typeof v.timestamp === 'string' &&
    typeof v.key_id === 'string' &&
    typeof v.signature === 'string'
  );
}
