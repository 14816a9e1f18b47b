// The CLI's only way to the server: the admin API over fetch, with the admin token as a bearer token.
// Failures come back as values carrying the API's own code and request id, never as exceptions.
import { isLoopbackHost } from '../src/net/loopback.ts';
import { type ParsedArgs, UsageError } from './args.ts';
import { loadCredentials } from './credentials.ts';
import type { CliError } from './output.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8080';
const TIMEOUT_MS = 30_000;

export type JsonObject = Record<string, unknown>;
export type AdminResult = { ok: true; body: JsonObject } | { ok: false; error: CliError };

export class AdminClient {
  readonly #base: string;
  readonly #token: string | undefined;

  constructor(url: URL, token: string | undefined) {
    this.#base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.#token = token;
  }

  /**
   * The client for a command: --url/--token first, then TESSERA_URL/TESSERA_ADMIN_TOKEN, then the
   * personal token kept by `tessera login` while it is unexpired.
   */
  static from(args: ParsedArgs, env: Record<string, string | undefined>): AdminClient {
    const url = parseServerUrl(args.url ?? env.TESSERA_URL?.trim() ?? DEFAULT_URL);
    const personal = loadCredentials(env);
    const loggedIn = personal && personal.expires_at > Date.now() ? personal.access_token : undefined;
    return new AdminClient(url, args.token ?? (env.TESSERA_ADMIN_TOKEN?.trim() || loggedIn));
  }

  get(path: string): Promise<AdminResult> {
    return this.#send('GET', path, undefined);
  }

  post(path: string, body?: JsonObject): Promise<AdminResult> {
    return this.#send('POST', path, body);
  }

  put(path: string, body: JsonObject): Promise<AdminResult> {
    return this.#send('PUT', path, body);
  }

  patch(path: string, body: JsonObject): Promise<AdminResult> {
    return this.#send('PATCH', path, body);
  }

  async #send(method: string, path: string, body: JsonObject | undefined): Promise<AdminResult> {
    // The channel the audit log names for this person's actions; it labels, it grants nothing.
    const headers: Record<string, string> = { accept: 'application/json', 'x-tessera-client': 'cli' };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.#base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // The admin API never redirects; following one could carry the token to another origin.
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      return { ok: false, error: unreachable(this.#base, error) };
    }
    return readResponse(response, this.#base);
  }
}

/** Encodes an id for use as one path segment, so `--partner ../x` cannot address another route. */
export function segment(id: string): string {
  return encodeURIComponent(id);
}

function parseServerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`the server URL is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the server URL must start with http:// or https://: "${raw}"`);
  }
  if (url.username || url.password) throw new UsageError('the server URL must not contain credentials');
  // The admin token is a bearer credential: over plain HTTP anyone on the path could replay it.
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UsageError(`refusing to send the admin token over plain HTTP to ${url.host}; use https://`);
  }
  return url;
}

async function readResponse(response: Response, base: string): Promise<AdminResult> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.ok && isObject(body)) return { ok: true, body };
  return { ok: false, error: errorFromResponse(response, body, base) };
}

/** The API's error as the CLI reports it: its code, message, request id and `details`, all kept. */
export function errorFromResponse(response: Response, body: unknown, base: string): CliError {
  if (!response.ok && isObject(body) && typeof body.code === 'string' && typeof body.message === 'string') {
    const error: CliError = {
      code: body.code,
      message: body.message,
      request_id:
        typeof body.request_id === 'string' ? body.request_id : response.headers.get('x-request-id'),
    };
    if (Array.isArray(body.details)) error.details = body.details.filter(isDetail);
    return error;
  }
  return {
    code: 'cli.unexpected_response',
    message: `HTTP ${response.status} from ${base} is not a Tessera admin API answer`,
    request_id: response.headers.get('x-request-id'),
  };
}

function unreachable(base: string, error: unknown): CliError {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return {
      code: 'cli.timeout',
      message: `no answer from ${base} within ${TIMEOUT_MS / 1000} s`,
      request_id: null,
    };
  }
  const cause = error instanceof Error && isObject(error.cause) ? error.cause : undefined;
  const reason =
    typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.message : 'unknown';
  return { code: 'cli.connection_failed', message: `could not reach ${base} (${reason})`, request_id: null };
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDetail(value: unknown): value is { field: string; message: string } {
  return isObject(value) && typeof value.field === 'string' && typeof value.message === 'string';
}
