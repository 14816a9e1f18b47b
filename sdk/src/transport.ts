// One logical API operation, carried out over as many attempts as it takes: sign each write, retry what is
// safe to retry, correct the clock on a skew rejection, re-sign once on a replay rejection, and turn
// failures into typed errors.
import { randomUUID } from 'node:crypto';
import { sendAttempt, waitUnlessAborted } from './attempt.ts';
import { readErrorResponse, summarizeConnectionCause } from './error-response.ts';
import { TesseraConnectionError, type TesseraError } from './errors.ts';
import { checkMaxAttempts, checkTimeout, type RequestOptions } from './options.ts';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from './retry.ts';
import { type ParsedApiKey, signRequest } from './signing.ts';
import { userAgent } from './version.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | undefined;

export interface ApiRequest extends RequestOptions {
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
  /** The Idempotency-Key every attempt of a write carried; undefined for reads. */
  readonly idempotencyKey: string | undefined;
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

/** What stays the same across the attempts of one operation. */
interface Operation {
  readonly url: URL;
  readonly method: HttpMethod;
  readonly body: string | undefined;
  readonly idempotencyKey: string | undefined;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly signal: AbortSignal | undefined;
}

/** What the loop decided after one attempt: done, try again now (correction), or count a failure. */
type Outcome =
  | { readonly kind: 'done'; readonly response: ApiResponse }
  | { readonly kind: 'again' }
  | {
      readonly kind: 'failed';
      readonly error: TesseraError | TesseraConnectionError;
      readonly waitMs?: number;
    };

export class Transport {
  readonly #config: TransportConfig;
  // Server time minus local time, learnt from the Date header of an auth.timestamp.skew rejection.
  #clockOffsetMs = 0;
  // The latest X-Timestamp this client signed, so a re-signed write never repeats an earlier second.
  #lastSignedSecond = 0;

  constructor(config: TransportConfig) {
    this.#config = config;
  }

  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  async request(request: ApiRequest): Promise<ApiResponse> {
    const operation = this.#plan(request);
    const corrections = { skew: false, replay: false };
    let attempts = 0;
    let failures = 0;
    for (;;) {
      attempts += 1;
      const outcome = await this.#try(operation, attempts, corrections);
      if (outcome.kind === 'done') return outcome.response;
      if (outcome.kind === 'again') continue;
      failures += 1;
      if (failures >= operation.maxAttempts) throw outcome.error;
      const delayMs = outcome.waitMs ?? backoffDelayMs(failures, this.#config.random);
      // Waiting past the overall deadline would only end in a timeout; report the real failure instead.
      if (this.#config.now() + delayMs >= operation.deadline) throw outcome.error;
      await waitUnlessAborted(this.#config.sleep, delayMs, operation.signal);
      operation.signal?.throwIfAborted();
    }
  }

  #plan(request: ApiRequest): Operation {
    const timeoutMs = checkTimeout(request.timeout ?? this.#config.timeoutMs, 'timeout');
    const maxAttempts = checkMaxAttempts(request.maxAttempts ?? this.#config.maxAttempts);
    const isWrite = request.method !== 'GET';
    request.signal?.throwIfAborted();
    return {
      url: this.#url(request.path, request.query),
      method: request.method,
      body: isWrite ? JSON.stringify(request.body ?? {}) : undefined,
      idempotencyKey: isWrite ? (request.idempotencyKey ?? randomUUID()) : undefined,
      deadline: this.#config.now() + timeoutMs,
      timeoutMs,
      maxAttempts,
      signal: request.signal,
    };
  }

  async #try(
    op: Operation,
    attempts: number,
    corrections: { skew: boolean; replay: boolean },
  ): Promise<Outcome> {
    const headers = this.#headers(op, corrections.replay);
    const remainingMs = op.deadline - this.#config.now();
    const result = await sendAttempt(
      this.#config.fetch,
      op.url,
      { method: op.method, headers, body: op.body },
      remainingMs,
      op.signal,
    );
    if (result.kind === 'aborted') {
      op.signal?.throwIfAborted();
      throw new DOMException('This operation was aborted', 'AbortError');
    }
    if (result.kind === 'timeout') {
      throw new TesseraConnectionError('timeout', `Request timed out after ${op.timeoutMs} ms`, attempts);
    }
    if (result.kind === 'network') {
      const cause = summarizeConnectionCause(result.cause, this.#redact);
      const message = `Could not reach the Tessera API at ${op.url.origin}`;
      return { kind: 'failed', error: new TesseraConnectionError('network', message, attempts, { cause }) };
    }
    const { response, text } = result;
    const requestId = response.headers.get('x-request-id') ?? undefined;
    if (response.ok) {
      const idempotentReplayed = response.headers.get('idempotent-replayed') === 'true';
      const { status } = response;
      const done = { status, headers: response.headers, text, requestId, idempotentReplayed, attempts };
      return { kind: 'done', response: { ...done, idempotencyKey: op.idempotencyKey } };
    }
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), this.#serverNow());
    const error = readErrorResponse(response.status, text, requestId, retryAfterMs, this.#redact);
    if (this.#corrected(error, response.headers, corrections)) return { kind: 'again' };
    if (!isRetryableStatus(error.status, error.code)) throw error;
    return retryAfterMs === undefined
      ? { kind: 'failed', error }
      : { kind: 'failed', error, waitMs: retryAfterMs };
  }

  // Two rejections the SDK can fix itself, each once per operation, without counting them as failures.
  #corrected(
    error: TesseraError,
    headers: Headers,
    corrections: { skew: boolean; replay: boolean },
  ): boolean {
    // A skewed local clock fails every signed write the same way; one retry with the server's clock
    // (RFC 9110 §6.6.1 Date) fixes it, and the offset is kept for later calls.
    if (error.code === 'auth.timestamp.skew' && !corrections.skew) {
      const serverMs = Date.parse(headers.get('date') ?? '');
      if (Number.isNaN(serverMs)) return false;
      corrections.skew = true;
      this.#clockOffsetMs = serverMs - this.#config.now();
      return true;
    }
    // Two identical writes signed in the same second carry the same signature, and the server refuses the
    // second as a replay. This client knows the write is a new operation of its own (it has its own
    // Idempotency-Key), so it signs it once more with a later timestamp, hence a different signature.
    if (error.code === 'auth.signature.replayed' && !corrections.replay) {
      corrections.replay = true;
      return true;
    }
    return false;
  }

  #headers(op: Operation, resign: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#config.apiKey}`,
      Accept: 'application/json, text/plain;q=0.9, */*;q=0.8',
      'User-Agent': userAgent(),
    };
    if (op.body === undefined || op.idempotencyKey === undefined) return headers;
    // Recomputed per attempt: a retry minutes later must not be rejected as stale.
    const timestamp = this.#timestamp(resign);
    const pathWithQuery = op.url.pathname + op.url.search;
    const signature = signRequest(this.#config.key.secret, {
      timestamp,
      method: op.method,
      pathWithQuery,
      body: op.body,
    });
    headers['Content-Type'] = 'application/json';
    headers['Idempotency-Key'] = op.idempotencyKey;
    headers['X-Timestamp'] = timestamp;
    headers['X-Signature'] = signature;
    return headers;
  }

  #timestamp(resign: boolean): string {
    const second = Math.floor(this.#serverNow() / 1000);
    // One second past the last signed one is well inside the ±300 s window the server accepts.
    const chosen = resign ? Math.max(second, this.#lastSignedSecond + 1) : second;
    this.#lastSignedSecond = Math.max(this.#lastSignedSecond, chosen);
    return String(chosen);
  }

  #serverNow(): number {
    return this.#config.now() + this.#clockOffsetMs;
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
