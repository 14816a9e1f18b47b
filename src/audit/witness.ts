// A witness's one decision (docs/audit-ledger.md §8): may a newly fetched signed head replace the one it
// kept? Only if the new head is validly signed by a trusted key, for the same chain, not smaller, and
// provably an extension of the kept tree (RFC 9162 §2.1.4 consistency). A rewrite of history — even one
// re-signed with the real key — fails here against any head kept from before the rewrite. Pure.
import { verifyConsistency } from './merkle.ts';
import type { PublicSigningKey } from './signing-keys.ts';
import { checkTreeHead, type TreeHead } from './tree-head.ts';

export type WitnessVerdict =
  | { ok: true }
  | {
      ok: false;
      problem: 'key_untrusted' | 'tree_head_signature_invalid' | 'witness_inconsistent';
      message: string;
    };

export function checkAgainstKept(
  kept: TreeHead | undefined,
  latest: TreeHead,
  proof: readonly string[] | undefined,
  trusted: readonly PublicSigningKey[],
): WitnessVerdict {
  const check = checkTreeHead(latest, trusted);
  if (check === 'key_untrusted')
    return { ok: false, problem: 'key_untrusted', message: `key ${latest.key_id} is not trusted` };
  if (check !== 'ok')
    return { ok: false, problem: 'tree_head_signature_invalid', message: `the new head: ${check}` };
  if (!kept) return { ok: true };
  const fork = (message: string): WitnessVerdict => ({ ok: false, problem: 'witness_inconsistent', message });
  if (kept.chain_id !== latest.chain_id) return fork('the new head is for another chain');
  const [first, second] = [Number(kept.tree_size), Number(latest.tree_size)];
  if (second < first) return fork(`the tree shrank from ${first} to ${second} leaves`);
  const hex = /^[0-9a-f]{64}$/;
  if (!proof?.every((p) => hex.test(p))) return fork('no usable consistency proof');
  const consistent = verifyConsistency(
    first,
    second,
    Buffer.from(kept.root_hash, 'hex'),
    Buffer.from(latest.root_hash, 'hex'),
    proof.map((p) => Buffer.from(p, 'hex')),
  );
  return consistent
    ? { ok: true }
    : fork(`the tree of ${second} leaves does not extend the kept tree of ${first}`);
}
