// An export's manifest: computed by streaming the very same export through SHA-256 on the server, so for a
// fixed period it describes the exact bytes a client downloads. It lists each chain's range and end hashes,
// the seals whose heads fall inside the export (with their signatures) and, for convenience, a copy of the
// public keys that made them; a careful verifier takes the keys from /.well-known instead (`--keys`/`--url`).
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { type ExportRequest, exportChunks, type RunBatch } from './export.ts';
import type { ExportFormat } from './export-format.ts';
import { type Seal, sealsCovering } from './seal.ts';
import { listPublicKeys, type PublicSigningKey } from './signing-keys.ts';

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
): Promise<ExportManifest> {
  const hash = createHash('sha256');
  const chains: Record<string, ChainSummary> = {};
  let count = 0;
  let firstSeq: bigint | undefined;
  let lastSeq: bigint | undefined;
  for await (const chunk of exportChunks(run, request)) {
    hash.update(chunk.text);
    for (const event of chunk.events) {
      count++;
      const seq = BigInt(event.seq);
      if (firstSeq === undefined || seq < firstSeq) firstSeq = seq;
      if (lastSeq === undefined || seq > lastSeq) lastSeq = seq;
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
  return {
    format: request.format,
    from: request.from.toISOString(),
    to: request.to.toISOString(),
    sha256: hash.digest('hex'),
    event_count: count,
    first_seq: firstSeq?.toString() ?? null,
    last_seq: lastSeq?.toString() ?? null,
    chains,
    seals,
    keys: (await listPublicKeys(platform)).filter((key) => keyIds.has(key.key_id)),
  };
}
