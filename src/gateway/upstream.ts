// One connection pool per upstream (keep-alive, at most max_connections sockets, mTLS when configured) and
// the exchange with it. `timeout_ms` bounds the whole exchange, response body included: a stalled download
// is cut at the deadline rather than holding a socket forever. Outcomes are values, not exceptions.
//
// An exchange counts as answered once the status line, the headers and the first byte of the body (or its
// end) have arrived. An upstream that sends its headers and then stalls has not answered: at the deadline
// that is a timeout (504) while the partner has not seen a status yet, not a broken 200 or a 502.
//
// The client is undici's Pool rather than node:http's Agent: the same exchange costs about half the CPU
// (no ClientRequest, IncomingMessage or per-request socket bookkeeping), and the gateway pays it on every
// request.
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { type Dispatcher, Pool } from 'undici';
import type { Upstream } from './config.ts';
import { asNodeHeaders } from './headers.ts';

/** What the upstream answered: its status and headers, and its body as it arrives. */
export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Readable;
}

export type ForwardOutcome =
  | { readonly kind: 'response'; readonly response: UpstreamResponse; readonly elapsedMs: number }
  | { readonly kind: 'unavailable'; readonly elapsedMs: number }
  | { readonly kind: 'timeout'; readonly elapsedMs: number };

export type BodyOutcome =
  | { readonly kind: 'body'; readonly body: Buffer }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'unavailable' };

export interface OutgoingRequest {
  readonly method: string;
  /** Path and query exactly as the partner sent them, appended to the upstream's base path. */
  readonly target: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer | undefined;
}

/** The error a response stream is destroyed with when the exchange's deadline passes mid-body. */
export class UpstreamTimeout extends Error {
  override name = 'UpstreamTimeout';
}

/**
 * The exchange's deadline, as the abort signal undici accepts. An EventEmitter rather than an
 * AbortController: undici takes either, and an AbortSignal costs several times more to make and listen to.
 */
class Deadline extends EventEmitter {
  aborted = false;
  reason: UpstreamTimeout | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(ms: number) {
    super();
    this.#timer = setTimeout(() => this.#expire(), ms);
  }

  clear(): void {
    clearTimeout(this.#timer);
  }

  #expire(): void {
    this.aborted = true;
    this.reason = new UpstreamTimeout();
    this.emit('abort');
  }
}

export class UpstreamPool {
  readonly #basePath: string;
  readonly #pool: Pool;

  constructor(
    readonly upstream: Upstream,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    const https = upstream.url.protocol === 'https:';
    this.#pool = new Pool(upstream.url.origin, {
      connections: upstream.maxConnections,
      // The deadline below bounds the whole exchange; undici's own idle timeouts would cut a long one short.
      headersTimeout: 0,
      bodyTimeout: 0,
      ...(https ? { connect: { ...upstream.tls, minVersion: 'TLSv1.2' as const } } : {}),
    });
    this.#basePath = upstream.url.pathname.replace(/\/+$/, '');
  }

  forward(outgoing: OutgoingRequest): Promise<ForwardOutcome> {
    const started = this.now();
    const deadline = new Deadline(this.upstream.timeoutMs);
    const options = {
      method: outgoing.method as Dispatcher.HttpMethod,
      path: this.#basePath + outgoing.target,
      headers: outgoing.headers as Record<string, string | string[]>,
      body: outgoing.body,
      signal: deadline,
    };
    return new Promise((resolve) => {
      // The callback runs as the headers arrive, before any body byte is pushed, so an empty body's end
      // cannot slip past the listeners. From then on undici destroys the body with UpstreamTimeout at the
      // deadline, and whoever reads it sees that.
      this.#pool.request(options, (error, answer) => {
        if (error) return resolve(this.#failed(deadline, started));
        const elapsedMs = this.now() - started;
        const { statusCode, body } = answer;
        const response = { statusCode, headers: asNodeHeaders(answer.headers), body };
        let answered = false;
        body.once('readable', () => {
          answered = true;
          resolve({ kind: 'response', response, elapsedMs });
        });
        body.once('close', () => {
          deadline.clear();
          // Closed before its first body byte: the upstream hung up after its headers, or the deadline passed.
          if (!answered) resolve(this.#failed(deadline, started));
        });
      });
    });
  }

  #failed(deadline: Deadline, started: number): ForwardOutcome {
    deadline.clear();
    return { kind: deadline.aborted ? 'timeout' : 'unavailable', elapsedMs: this.now() - started };
  }

  close(): void {
    this.#pool.destroy().catch(() => {});
  }
}

/** Reads a response body up to `limit` bytes; a longer one is destroyed and reported as too large. */
export async function readBounded(body: Readable, limit: number): Promise<BodyOutcome> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        body.destroy();
        return { kind: 'too_large' };
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    return { kind: error instanceof UpstreamTimeout ? 'timeout' : 'unavailable' };
  }
  return { kind: 'body', body: Buffer.concat(chunks) };
}
