import { requestJson, type WithResponse } from './json.ts';
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
}
