// One logical API operation, carried out over as many attempts as it takes: sign each write, retry what is
// safe to retry, correct the clock on a skew rejection, and turn failures into typed errors.
import { randomUUID } from 'node:crypto';
import { readErrorResponse, summarizeConnectionCause } from './error-response.ts';
import { TesseraConnectionError, type TesseraError } from './errors.ts';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from './retry.ts';
import { epochSeconds, type ParsedApiKey, signRequest } from './signing.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | undefined;

export interface ApiRequest {
  readonly method: HttpMethod;
  /** Path below the base URL, starting with `/`, e.g. `/v1/quotes`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>> | undefined;
  /** JSON-serialisable body for writes; a write without one sends (and signs) `{}`. */
  readonly body?: unknown;
  /** Reused on every attempt; generated once per call when absent. */
  readonly idempotencyKey?: string | undefined;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly requestId: string | undefined;
  /** True when the server answered from its idempotency record instead of running the write again. */
  readonly idempotentReplayed: boolean;
  /** Attempts made, including the successful one. */
  readonly attempts: number;
}

export interface TransportConfig {
  readonly key: ParsedApiKey;
  readonly apiKey: string;
  readonly baseUrl: URL;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

type AttemptResult =
  | { readonly kind: 'response'; readonly response: Response; readonly text: string }
  | { readonly kind: 'network'; readonly cause: unknown }
  | { readonly kind: 'timeout' };

export class Transport {
  readonly #config: TransportConfig;
  // Server time minus local time, learnt from the Date header of an auth.timestamp.skew rejection.
  #clockOffsetMs = 0;

  constructor(config: TransportConfig) {
    this.#config = config;
  }

  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  async request(request: ApiRequest): Promise<ApiResponse> {
    const { maxAttempts, timeoutMs, now, sleep, random } = this.#config;
    const url = this.#url(request.path, request.query);
    const isWrite = request.method !== 'GET';
    const body = isWrite ? JSON.stringify(request.body ?? {}) : undefined;
    const idempotencyKey = isWrite ? (request.idempotencyKey ?? randomUUID()) : undefined;
    const deadline = now() + timeoutMs;
    let attempts = 0;
    let failures = 0;
    let skewCorrected = false;

    for (;;) {
      attempts += 1;
      const result = await this.#attempt(url, request.method, body, idempotencyKey, deadline - now());
      let failure: TesseraError | TesseraConnectionError;
      let retryAfterMs: number | undefined;

      if (result.kind === 'timeout') {
        throw new TesseraConnectionError('timeout', `Request timed out after ${timeoutMs} ms`, attempts);
      }
      if (result.kind === 'network') {
        failure = new TesseraConnectionError(
          'network',
          `Could not reach the Tessera API at ${url.origin}`,
          attempts,
          { cause: summarizeConnectionCause(result.cause, this.#redact) },
        );
      } else {
        const { response, text } = result;
        const requestId = response.headers.get('x-request-id') ?? undefined;
        if (response.ok) {
          return {
            status: response.status,
            headers: response.headers,
            text,
            requestId,
            idempotentReplayed: response.headers.get('idempotent-replayed') === 'true',
            attempts,
          };
        }
        retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), now() + this.#clockOffsetMs);
        const error = readErrorResponse(response.status, text, requestId, retryAfterMs, this.#redact);
        // A skewed local clock fails every signed write the same way; one retry with the server's clock
        // (RFC 9110 §6.6.1 Date) fixes it, and the offset is kept for later calls.
        if (error.code === 'auth.timestamp.skew' && !skewCorrected) {
          const serverMs = Date.parse(response.headers.get('date') ?? '');
          if (!Number.isNaN(serverMs)) {
            skewCorrected = true;
            this.#clockOffsetMs = serverMs - now();
            continue;
          }
        }
        if (!isRetryableStatus(error.status, error.code)) throw error;
        failure = error;
      }

      failures += 1;
      if (failures >= maxAttempts) throw failure;
      const delayMs = retryAfterMs ?? backoffDelayMs(failures, random);
      // Waiting past the overall deadline would only end in a timeout; report the real failure instead.
      if (now() + delayMs >= deadline) throw failure;
      await sleep(delayMs);
    }
  }

  async #attempt(
    url: URL,
    method: HttpMethod,
    body: string | undefined,
    idempotencyKey: string | undefined,
    remainingMs: number,
  ): Promise<AttemptResult> {
    if (remainingMs <= 0) return { kind: 'timeout' };
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, remainingMs);
    try {
      const response = await this.#config.fetch(url, {
        method,
        headers: this.#headers(method, url, body, idempotencyKey),
        body,
        signal: controller.signal,
        redirect: 'manual',
      });
      const text = await response.text();
      return { kind: 'response', response, text };
    } catch (cause) {
      return timedOut ? { kind: 'timeout' } : { kind: 'network', cause };
    } finally {
      clearTimeout(timer);
    }
  }

  #headers(
    method: HttpMethod,
    url: URL,
    body: string | undefined,
    idempotencyKey: string | undefined,
  ): Record<string, string> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#config.apiKey}`,
      Accept: 'application/json, text/plain;q=0.9, */*;q=0.8',
    };
    if (body === undefined || idempotencyKey === undefined) return headers;
    // Recomputed per attempt: a retry minutes later must not be rejected as stale.
    const timestamp = epochSeconds(this.#config.now() + this.#clockOffsetMs);
    const signature = signRequest(this.#config.key.secret, {
      timestamp,
      method,
      pathWithQuery: url.pathname + url.search,
      body,
    });
    headers['Content-Type'] = 'application/json';
    headers['Idempotency-Key'] = idempotencyKey;
    headers['X-Timestamp'] = timestamp;
    headers['X-Signature'] = signature;
    return headers;
  }

  #url(path: string, query: Readonly<Record<string, QueryValue>> | undefined): URL {
    const base = this.#config.baseUrl;
    const url = new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.append(name, String(value));
    }
    return url;
  }

  // Belt and braces: nothing the SDK reports may echo the key or its secret, whatever the server says.
  readonly #redact = (text: string): string =>
    text.replaceAll(this.#config.apiKey, '[redacted]').replaceAll(this.#config.key.secret, '[redacted]');
}
