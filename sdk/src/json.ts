import type { ApiRequest, ApiResponse, Transport } from './transport.ts';

/** How the response to a call went: on every successful result as its `lastResponse`. */
export interface ResponseInfo {
  /** The server's X-Request-Id: quote it to the API's operators. */
  readonly requestId: string | undefined;
  readonly status: number;
  /** True when the server answered from its idempotency record instead of running the write again. */
  readonly idempotentReplayed: boolean;
  /** The Idempotency-Key the write carried (undefined for reads). */
  readonly idempotencyKey: string | undefined;
  /** Attempts made, including the successful one. */
  readonly attempts: number;
}

/**
 * A result with how it was obtained. `lastResponse` is non-enumerable (as in Stripe's SDKs), so the object
 * still serialises, spreads and compares as exactly the API's JSON.
 */
export type WithResponse<T> = T & { readonly lastResponse: ResponseInfo };

function responseInfo(response: ApiResponse): ResponseInfo {
  const { requestId, status, idempotentReplayed, idempotencyKey, attempts } = response;
  return Object.freeze({ requestId, status, idempotentReplayed, idempotencyKey, attempts });
}

/**
 * Sends a request and parses its JSON body. The response is trusted to match the documented shape; the SDK
 * does not re-validate what the server already validated.
 */
export async function requestJson<T extends object>(
  transport: Transport,
  request: ApiRequest,
): Promise<WithResponse<T>> {
  const response = await transport.request(request);
  const value: unknown = JSON.parse(response.text);
  if (typeof value === 'object' && value !== null) {
    Object.defineProperty(value, 'lastResponse', { value: responseInfo(response), enumerable: false });
  }
  return value as WithResponse<T>;
}

/** Encodes an id for use as one path segment, so an id can never change which route is called. */
export function pathSegment(id: string): string {
  return encodeURIComponent(id);
}
