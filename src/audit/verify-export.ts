// Offline verification of an export file against its manifest and the audit public keys: the file's bytes
// must hash to the manifest's sha256, and its events must verify on their own (see verify.ts) and match the
// manifest's counts, chain ranges and end hashes; and the manifest must be signed and prove, against signed
// tree heads, that the file is complete for its period (verify-completeness.ts). Pure: no database, no
// network. `keys` are the keys the user trusts, never the copy in the manifest.
import { createHash } from 'node:crypto';
import type { ChainedAuditEvent } from './event.ts';
import { EXPORT_FORMATS, type ExportFormat, ExportParseError, ExportReader } from './export-format.ts';
import type { ExportManifest } from './manifest.ts';
import type { Seal } from './seal.ts';
import type { PublicSigningKey } from './signing-keys.ts';
import { AuditVerifier, type VerifyProblem, type VerifyReport } from './verify.ts';
import { CompletenessCheck } from './verify-completeness.ts';

export async function verifyExport(
  file: AsyncIterable<Buffer> | Iterable<Buffer>,
  manifestInput: unknown,
  keys: readonly PublicSigningKey[],
): Promise<VerifyReport> {
  const verifier = new AuditVerifier(keys);
  const manifest = asManifest(manifestInput);
  if (!manifest) {
    verifier.problem(null, 'manifest_invalid', 'the manifest is not a Tessera export manifest');
    return verifier.report();
  }
  for (const seal of manifest.seals) verifier.addSeal(seal);
  const completeness = new CompletenessCheck(structuredClone(manifestInput) as Record<string, unknown>, keys);
  const read = await readEvents(file, manifest.format, (event) => {
    verifier.addEvent(event);
    completeness.addEvent(event);
  });
  let report: VerifyReport;
  if (read.parseError) {
    // A file that does not parse is reported as that alone, whatever its earlier events showed.
    const failed = new AuditVerifier(keys);
    failed.problem(null, 'parse_error', `line ${read.parseError.line}: ${read.parseError.message}`);
    report = failed.report();
  } else {
    verifier.expectRanges(manifest.chains);
    // The server lists only seals inside the export; one pointing past a chain's end means a cut-off tail.
    verifier.checkNoSealedTailMissing();
    verifier.expectCounts(manifest.event_count, manifest.first_seq, manifest.last_seq);
    completeness.finish((...args) => verifier.problem(...args));
    report = verifier.report();
  }
  if (read.sha256 === manifest.sha256) return report;
  // Listed first, where it stood when the whole file was hashed before it was parsed.
  return { ...report, ok: false, problems: [{ ...SHA256_MISMATCH }, ...report.problems] };
}

const SHA256_MISMATCH: VerifyProblem = {
  chain_id: null,
  problem: 'sha256_mismatch',
  message: 'the file does not have the SHA-256 that the manifest records',
};

/**
 * Hashes the file's bytes and hands each event to `take` as its record completes; after a record that does
 * not parse, the rest is only hashed.
 */
async function readEvents(
  file: AsyncIterable<Buffer> | Iterable<Buffer>,
  format: ExportFormat,
  take: (event: ChainedAuditEvent) => void,
): Promise<{ sha256: string; parseError?: ExportParseError }> {
  const hash = createHash('sha256');
  const reader = new ExportReader(format);
  let parseError: ExportParseError | undefined;
  const parse = (events: () => ChainedAuditEvent[]) => {
    if (parseError) return;
    try {
      for (const event of events()) take(event);
    } catch (error) {
      if (!(error instanceof ExportParseError)) throw error;
      parseError = error;
    }
  };
  for await (const chunk of file) {
    hash.update(chunk);
    parse(() => reader.push(chunk));
  }
  parse(() => reader.end());
  return { sha256: hash.digest('hex'), ...(parseError ? { parseError } : {}) };
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
