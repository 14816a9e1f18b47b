// The entry point. Options are checked once here, so a malformed key fails at construction, not on the
// first request. The key lives only in the transport's private fields; every way of printing the client
// (JSON.stringify, String(), util.inspect) shows the key's public prefix and nothing more.
import { AuditEvents } from './audit-events.ts';
import { Bookings } from './bookings.ts';
import { requestJson, type WithResponse } from './json.ts';
import { checkMaxAttempts, checkTimeout, pickOptions, type RequestOptions } from './options.ts';
import { Quotes } from './quotes.ts';
import { type GenericRequestOptions, type RequestArgs, type RequestResult, sendRequest } from './request.ts';
import { type Environment, parseApiKey } from './signing.ts';
import { type ApiRequest, type ApiResponse, type HttpMethod, Transport } from './transport.ts';

export interface TesseraOptions {
  /** `sk_(live|test)_<prefix>_<secret>`; the secret part signs every write. */
  readonly apiKey: string;
  /** e.g. `https://api.example.com` or `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Attempts per operation, including the first. Default 4. */
  readonly maxAttempts?: number;
  /** Overall budget per operation, across all attempts and waits. Default 30 000 ms. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Clock in epoch milliseconds. Default Date.now. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Uniform random in [0, 1) used for backoff jitter. Default Math.random. */
  readonly random?: () => number;
}

export interface Me {
  readonly partner: { readonly id: string; readonly name: string };
  readonly key: {
    readonly prefix: string;
    readonly environment: Environment;
    readonly scopes: readonly string[];
  };
}

const DEFAULT_MAX_ATTEMPTS = 4;
const DEFAULT_TIMEOUT_MS = 30_000;

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseBaseUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError('baseUrl must be an absolute http(s) URL');
  }
  return url;
}

export class Tessera {
  readonly quotes: Quotes;
  readonly bookings: Bookings;
  readonly auditEvents: AuditEvents;
  readonly baseUrl: string;
  readonly environment: Environment;
  /** The key's public prefix (stored in clear server-side); safe to log. */
  readonly keyPrefix: string;
  readonly #transport: Transport;

  constructor(options: TesseraOptions) {
    const key = typeof options.apiKey === 'string' ? parseApiKey(options.apiKey) : undefined;
    // The message names the format, never the value: a mistyped key is still mostly a secret.
    if (key === undefined) {
      throw new TypeError('apiKey must have the form sk_(live|test)_<8-char prefix>_<48-char secret>');
    }
    const maxAttempts = checkMaxAttempts(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    const timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const baseUrl = parseBaseUrl(options.baseUrl);
    this.#transport = new Transport({
      key,
      apiKey: options.apiKey,
      baseUrl,
      maxAttempts,
      timeoutMs,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      now: options.now ?? Date.now,
      sleep: options.sleep ?? defaultSleep,
      random: options.random ?? Math.random,
    });
    this.baseUrl = baseUrl.href;
    this.environment = key.environment;
    this.keyPrefix = key.prefix;
    this.quotes = new Quotes(this.#transport);
    this.bookings = new Bookings(this.#transport);
    this.auditEvents = new AuditEvents(this.#transport);
    Object.freeze(this);
  }

  /** The partner and key this client authenticates as. */
  me(options: RequestOptions = {}): Promise<WithResponse<Me>> {
    return requestJson<Me>(this.#transport, { ...pickOptions(options), method: 'GET', path: '/v1/me' });
  }

  /**
   * Low-level access for endpoints the SDK does not wrap yet, with the same signing, retries and errors.
   * The response exposes the request id and whether an idempotent write was replayed.
   */
  request(request: ApiRequest): Promise<ApiResponse>;
  /** A signed, retried call to any route, e.g. one a Tessera gateway fronts (see request.ts). */
  request<T = unknown>(
    method: HttpMethod,
    path: string,
    options?: GenericRequestOptions,
  ): Promise<RequestResult<T>>;
  request(...args: RequestArgs): Promise<unknown> {
    return sendRequest(this.#transport, ...args);
  }

  /** Server time minus local time, as learnt from an `auth.timestamp.skew` rejection (0 until then). */
  get clockOffsetMs(): number {
    return this.#transport.clockOffsetMs;
  }

  toJSON(): Record<string, string> {
    return { baseUrl: this.baseUrl, environment: this.environment, keyPrefix: this.keyPrefix };
  }

  toString(): string {
    return `Tessera(${this.baseUrl}, sk_${this.environment}_${this.keyPrefix}_…)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
