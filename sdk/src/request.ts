// The generic call for routes the SDK has no resource for, such as the routes a Tessera gateway fronts:
// `tessera.request('POST', '/v1/transfers', { body, idempotencyKey })`. It signs, retries and reuses the
// Idempotency-Key exactly as the built-in resources do, and parses a JSON answer into the type you name.
import { pickOptions, type WriteOptions } from './options.ts';
import type { ApiRequest, ApiResponse, HttpMethod, QueryValue, Transport } from './transport.ts';

/** The per-call options (`timeout`, `maxAttempts`, `signal`, `idempotencyKey`), plus what to send. */
export interface GenericRequestOptions extends WriteOptions {
  /** Sent as JSON on writes (POST, PUT, PATCH, DELETE); `{}` when omitted. */
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, QueryValue>>;
}

export interface RequestResult<T> {
  readonly status: number;
  readonly headers: Headers;
  /** The JSON body parsed (as T), or the text when the answer is not JSON. */
  readonly body: T;
  readonly requestId: string | undefined;
  /** True when Tessera replayed the stored answer of an earlier attempt with the same Idempotency-Key. */
  readonly idempotentReplayed: boolean;
  readonly attempts: number;
}

export type RequestArgs =
  | [request: ApiRequest]
  | [method: HttpMethod, path: string, options?: GenericRequestOptions];

export async function sendRequest(transport: Transport, ...args: RequestArgs): Promise<unknown> {
  if (args.length === 1) return transport.request(args[0]);
  const [method, path, options = {}] = args;
  const response = await transport.request({
    ...pickOptions(options),
    method,
    path,
    query: options.query,
    body: options.body,
  });
  return withParsedBody(response);
}

function withParsedBody(response: ApiResponse): RequestResult<unknown> {
  const { text, ...rest } = response;
  const json = /^application\/([a-z.+-]+\+)?json\b/i.test(response.headers.get('content-type') ?? '');
  let body: unknown = text;
  if (json && text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { ...rest, body };
}
