// An export's manifest: computed by streaming the very same export through SHA-256 on the server, so for a
// fixed period it describes the exact bytes a client downloads. It lists each chain's range and end hashes,
// the seals whose heads fall inside the export (with their signatures) and, for convenience, a copy of the
// public keys that made them; a careful verifier takes the keys from /.well-known instead (`--keys`/`--url`).
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { chainProof, type Sealing } from './chain-proof.ts';
import type { ChainedAuditEvent } from './event.ts';
import { type ExportRequest, exportChunks, type RunBatch } from './export.ts';
import type { ExportFormat } from './export-format.ts';
import {
  type ChainProof,
  MANIFEST_VERSION,
  type ManifestSignature,
  signManifest,
} from './manifest-signature.ts';
import { compareText, type Seal, sealsCovering } from './seal.ts';
import { listPublicKeys, type PublicSigningKey, publishForSigning, type SigningKey } from './signing-keys.ts';

export interface ChainSummary {
  first_chain_seq: string;
  last_chain_seq: string;
  first_prev_hash: string;
  last_hash: string;
}

export interface ExportManifest {
  format: ExportFormat;
  from: string;
  /** Exclusive. */
  to: string;
  /** hex SHA-256 of the export's bytes. */
  sha256: string;
  event_count: number;
  /** Lowest and highest global `seq` in the export (null when it is empty). */
  first_seq: string | null;
  last_seq: string | null;
  chains: Record<string, ChainSummary>;
  seals: Seal[];
  keys: PublicSigningKey[];
}

export async function buildManifest(
  run: RunBatch,
  platform: Queryable,
  request: ExportRequest,
  key: SigningKey | undefined,
  now: () => number,
  sealing?: Sealing,
): Promise<ExportManifest & Partial<ManifestSignature>> {
  const hash = createHash('sha256');
  const chains: Record<string, ChainSummary> = {};
  let count = 0;
  let firstSeq: bigint | undefined;
  let lastSeq: bigint | undefined;
  const lastOfChain = new Map<string, ChainedAuditEvent>();
  const counts = new Map<string, number>();
  for await (const chunk of exportChunks(run, request)) {
    hash.update(chunk.text);
    for (const event of chunk.events) {
      count++;
      const seq = BigInt(event.seq);
      if (firstSeq === undefined || seq < firstSeq) firstSeq = seq;
      if (lastSeq === undefined || seq > lastSeq) lastSeq = seq;
      lastOfChain.set(event.chain_id, event);
      counts.set(event.chain_id, (counts.get(event.chain_id) ?? 0) + 1);
      const chain = chains[event.chain_id];
      if (chain) {
        chain.last_chain_seq = event.chain_seq;
        chain.last_hash = event.hash;
      } else {
        chains[event.chain_id] = {
          first_chain_seq: event.chain_seq,
          last_chain_seq: event.chain_seq,
          first_prev_hash: event.prev_hash,
          last_hash: event.hash,
        };
      }
    }
  }
  const seals = await sealsCovering(
    platform,
    Object.entries(chains).map(([chainId, c]) => ({
      chainId,
      firstSeq: c.first_chain_seq,
      lastSeq: c.last_chain_seq,
    })),
  );
  const keyIds = new Set(seals.map((seal) => seal.key_id));
  const scope = [...new Set(request.chainIds)].sort(compareText);
  const proofs: Record<string, ChainProof> = {};
  for (const chainId of scope) {
    const chain = { chainId, events: counts.get(chainId) ?? 0, last: lastOfChain.get(chainId) };
    proofs[chainId] = await chainProof(run, platform, chain, request, sealing);
  }
  // Signed once complete, by a key published by then: a verifier refuses a signature older than its key's
  // valid_from, and a seal made above may have published the key only moments ago.
  const signedAt = new Date(now());
  if (key) await publishForSigning(platform, key, signedAt);
  const v1 = {
    format: request.format,
    from: request.from.toISOString(),
    to: request.to.toISOString(),
    sha256: hash.digest('hex'),
    event_count: count,
    first_seq: firstSeq?.toString() ?? null,
    last_seq: lastSeq?.toString() ?? null,
    chains,
    seals,
    keys: (await listPublicKeys(platform)).filter((k) => keyIds.has(k.key_id) || k.key_id === key?.keyId),
  };
  const v2 = {
    ...v1,
    version: MANIFEST_VERSION as typeof MANIFEST_VERSION,
    scope: { partner_id: request.partnerId, chain_ids: scope },
    proofs,
  };
  // Without a signing key the manifest goes out unsigned, and no verifier will accept it.
  return key ? signManifest(key, v2, signedAt.toISOString()) : v2;
}
