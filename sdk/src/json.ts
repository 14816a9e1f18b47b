import type { ApiRequest, Transport } from './transport.ts';

/** Per-call options for writes. */
export interface WriteOptions {
  /** Your own key for this logical operation (UUID v4); a fresh one is generated when omitted. */
  readonly idempotencyKey?: string;
}

/**
 * Sends a request and parses its JSON body. The response is trusted to match the documented shape; the SDK
 * does not re-validate what the server already validated.
 */
export async function requestJson<T>(transport: Transport, request: ApiRequest): Promise<T> {
  const response = await transport.request(request);
  return JSON.parse(response.text) as T;
}

/** Encodes an id for use as one path segment, so an id can never change which route is called. */
export function pathSegment(id: string): string {
  return encodeURIComponent(id);
}
