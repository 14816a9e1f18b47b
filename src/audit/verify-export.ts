// Offline verification of an export file against its manifest and the audit public keys: the file's bytes
// must hash to the manifest's sha256, and its events must verify on their own (see verify.ts) and match the
// manifest's counts, chain ranges and end hashes; and the manifest must be signed and prove, against signed
// tree heads, that the file is complete for its period (verify-completeness.ts). Pure: no database, no
// network. `keys` are the keys the user trusts, never the copy in the manifest.
import { createHash } from 'node:crypto';
import { EXPORT_FORMATS, parseExport } from './export-format.ts';
import type { ExportManifest } from './manifest.ts';
import type { Seal } from './seal.ts';
import type { PublicSigningKey } from './signing-keys.ts';
import { AuditVerifier, type VerifyReport } from './verify.ts';
import { checkCompleteness } from './verify-completeness.ts';

export function verifyExport(
  file: Buffer,
  manifestInput: unknown,
  keys: readonly PublicSigningKey[],
): VerifyReport {
  const verifier = new AuditVerifier(keys);
  const manifest = asManifest(manifestInput);
  if (!manifest) {
    verifier.problem(null, 'manifest_invalid', 'the manifest is not a Tessera export manifest');
    return verifier.report();
  }
  if (createHash('sha256').update(file).digest('hex') !== manifest.sha256) {
    verifier.problem(null, 'sha256_mismatch', 'the file does not have the SHA-256 that the manifest records');
  }
  const parsed = parseExport(file, manifest.format);
  if (!parsed.ok) {
    verifier.problem(null, 'parse_error', `line ${parsed.line}: ${parsed.message}`);
    return verifier.report();
  }
  for (const seal of manifest.seals) verifier.addSeal(seal);
  for (const event of parsed.events) verifier.addEvent(event);
  verifier.expectRanges(manifest.chains);
  // The server lists only seals inside the export; one pointing past a chain's end means a cut-off tail.
  verifier.checkNoSealedTailMissing();
  verifier.expectCounts(manifest.event_count, manifest.first_seq, manifest.last_seq);
  const snapshot = structuredClone(manifestInput) as Record<string, unknown>;
  checkCompleteness(snapshot, parsed.events, keys, (...args) => verifier.problem(...args));
  return verifier.report();
}

/** A snapshot of the untrusted manifest, shape-checked before anything in it is believed. */
export function asManifest(value: unknown): ExportManifest | undefined {
  if (!isRecord(value)) return undefined;
  const { format, sha256, event_count: count, first_seq: first, last_seq: last, chains, seals, keys } = value;
  if (typeof format !== 'string' || !(EXPORT_FORMATS as readonly string[]).includes(format)) return undefined;
  if (typeof sha256 !== 'string' || typeof count !== 'number') return undefined;
  if (!isSeqOrNull(first) || !isSeqOrNull(last) || !isRecord(chains) || !Array.isArray(seals))
    return undefined;
  const chainsOk = Object.values(chains).every(
    (c) =>
      isRecord(c) &&
      ['first_chain_seq', 'last_chain_seq', 'first_prev_hash', 'last_hash'].every(
        (f) => typeof c[f] === 'string',
      ),
  );
  if (!chainsOk || !seals.every(isSeal)) return undefined;
  return structuredClone({
    ...(value as unknown as ExportManifest),
    keys: Array.isArray(keys) ? (keys.filter(isPublicKey) as PublicSigningKey[]) : [],
  });
}

function isSeal(value: unknown): value is Seal {
  if (!isRecord(value) || !isRecord(value.heads)) return false;
  const fields = ['id', 'sealed_at', 'key_id', 'signature'].every((f) => typeof value[f] === 'string');
  return (
    fields &&
    Object.values(value.heads).every(
      (h) => isRecord(h) && typeof h.chain_seq === 'string' && typeof h.hash === 'string',
    )
  );
}

export function isPublicKey(value: unknown): value is PublicSigningKey {
  return isRecord(value) && typeof value.key_id === 'string' && typeof value.public_key === 'string';
}

function isSeqOrNull(value: unknown): boolean {
  return value === null || (typeof value === 'string' && /^\d+$/.test(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
