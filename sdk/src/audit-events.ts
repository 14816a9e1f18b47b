import { pathSegment, requestJson, type WithResponse } from './json.ts';
import { pickOptions, type RequestOptions } from './options.ts';
import type { Transport } from './transport.ts';

export type AuditExportFormat = 'jsonl' | 'csv';

export interface AuditExportParams {
  /** Start of the range (inclusive); a Date is sent as its ISO 8601 string. */
  readonly from: string | Date;
  /** End of the range; a Date is sent as its ISO 8601 string. */
  readonly to: string | Date;
  readonly format?: AuditExportFormat;
}

/** A signed tree head of one audit chain (docs/audit-ledger.md §4). */
export interface AuditTreeHead {
  readonly chain_id: string;
  readonly tree_size: string;
  readonly root_hash: string;
  readonly timestamp: string;
  readonly key_id: string;
  readonly signature: string;
}

/** Which of the key's chains: its environment's (default) or its partner-level one. */
export type AuditChainChoice = 'environment' | 'partner';

export interface AuditInclusionProof {
  readonly event_id: string;
  readonly chain_id: string;
  readonly chain_seq: string;
  readonly hash: string;
  readonly tree_head: AuditTreeHead;
  /** RFC 9162 audit path, hex. */
  readonly audit_path: readonly string[];
}

export interface AuditConsistencyProof {
  readonly chain_id: string;
  readonly first: AuditTreeHead;
  readonly second: AuditTreeHead;
  /** RFC 9162 consistency proof, hex. */
  readonly proof: readonly string[];
}

/** The manifest describing an export (counts, digests, seals); its fields are defined by the server. */
export type AuditManifest = Readonly<Record<string, unknown>>;

function isoString(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : value;
}

function exportQuery(params: AuditExportParams): Record<string, string> {
  return { from: isoString(params.from), to: isoString(params.to), format: params.format ?? 'jsonl' };
}

export class AuditEvents {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** The export body as text: one JSON object per line (jsonl) or CSV. */
  async export(params: AuditExportParams, options: RequestOptions = {}): Promise<string> {
    const response = await this.#transport.request({
      ...pickOptions(options),
      method: 'GET',
      path: '/v1/audit-events',
      query: exportQuery(params),
    });
    return response.text;
  }

  manifest(params: AuditExportParams, options: RequestOptions = {}): Promise<WithResponse<AuditManifest>> {
    return requestJson<AuditManifest>(this.#transport, {
      ...pickOptions(options),
      method: 'GET',
      path: '/v1/audit-events/manifest',
      query: exportQuery(params),
    });
  }

  /** The chain's latest signed tree head. */
  treeHead(chain?: AuditChainChoice): Promise<AuditTreeHead> {
    return requestJson<AuditTreeHead>(this.#transport, {
      method: 'GET',
      path: '/v1/audit/tree-head',
      query: chain === undefined ? {} : { chain },
    });
  }

  /** An event's inclusion proof against the signed head of `treeSize` leaves (default: the latest). */
  proof(eventId: string, treeSize?: string): Promise<AuditInclusionProof> {
    return requestJson<AuditInclusionProof>(this.#transport, {
      method: 'GET',
      path: `/v1/audit-events/${pathSegment(eventId)}/proof`,
      query: treeSize === undefined ? {} : { tree_size: treeSize },
    });
  }

  /** Proof that the signed tree of `first` leaves is a prefix of the one of `second` (what a witness checks). */
  consistency(first: string, second: string, chain?: AuditChainChoice): Promise<AuditConsistencyProof> {
    return requestJson<AuditConsistencyProof>(this.#transport, {
      method: 'GET',
      path: '/v1/audit/consistency',
      query: { first, second, ...(chain === undefined ? {} : { chain }) },
    });
  }
}
