// One connection pool per upstream (keep-alive, at most max_connections sockets, mTLS when configured) and
// the exchange with it. `timeout_ms` bounds the whole exchange, response body included: a stalled download
// is cut at the deadline rather than holding a socket forever. Outcomes are values, not exceptions.
//
// An exchange counts as answered once the status line, the headers and the first byte of the body (or its
// end) have arrived. An upstream that sends its headers and then stalls has not answered: at the deadline
// that is a timeout (504) while the partner has not seen a status yet, not a broken 200 or a 502.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Upstream } from './config.ts';

export type ForwardOutcome =
  | { readonly kind: 'response'; readonly response: IncomingMessage; readonly elapsedMs: number }
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

export class UpstreamPool {
  readonly #basePath: string;
  readonly #send: typeof httpRequest;
  /** Everything but method, path and headers, built once: the URL is not re-parsed per request. */
  readonly #options: RequestOptions;

  constructor(
    readonly upstream: Upstream,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    const pool = {
      keepAlive: true,
      maxSockets: upstream.maxConnections,
      maxFreeSockets: upstream.maxConnections,
    };
    const https = upstream.url.protocol === 'https:';
    const agent = https
      ? new HttpsAgent({ ...pool, ...upstream.tls, minVersion: 'TLSv1.2' })
      : new HttpAgent(pool);
    this.#send = https ? httpsRequest : httpRequest;
    this.#basePath = upstream.url.pathname.replace(/\/+$/, '');
    const { hostname, port } = upstream.url;
    this.#options = {
      agent,
      protocol: upstream.url.protocol,
      // A bracketed IPv6 literal in a URL is a bare address for the socket.
      hostname: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
      port: port === '' ? (https ? 443 : 80) : Number(port),
    };
  }

  forward(outgoing: OutgoingRequest): Promise<ForwardOutcome> {
    const started = this.now();
    const elapsed = () => this.now() - started;
    return new Promise((resolve) => {
      const request = this.#send({
        ...this.#options,
        method: outgoing.method,
        path: this.#basePath + outgoing.target,
        headers: outgoing.headers,
      });
      let settled = false;
      let response: IncomingMessage | undefined;
      const settle = (outcome: ForwardOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const deadline = setTimeout(() => {
        // Before the answer: the request's error settles as a timeout. After it: whoever reads the body
        // sees the stream fail with UpstreamTimeout.
        if (response && settled) response.destroy(new UpstreamTimeout());
        request.destroy(new UpstreamTimeout());
      }, this.upstream.timeoutMs);
      request.on('response', (answer: IncomingMessage) => {
        response = answer;
        const elapsedMs = elapsed();
        answer.once('readable', () => settle({ kind: 'response', response: answer, elapsedMs }));
        answer.once('close', () => {
          clearTimeout(deadline);
          // Closed before its first body byte: the upstream hung up after its headers.
          settle({ kind: 'unavailable', elapsedMs: elapsed() });
        });
      });
      request.on('error', (error) => {
        if (settled) return; // the response stream reports its own failure to whoever reads it
        clearTimeout(deadline);
        response?.destroy();
        settle({ kind: error instanceof UpstreamTimeout ? 'timeout' : 'unavailable', elapsedMs: elapsed() });
      });
      request.end(outgoing.body);
    });
  }

  close(): void {
    (this.#options.agent as HttpAgent).destroy();
  }
}

/** Reads a response body up to `limit` bytes; a longer one is destroyed and reported as too large. */
export async function readBounded(response: IncomingMessage, limit: number): Promise<BodyOutcome> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        response.destroy();
        return { kind: 'too_large' };
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    return { kind: error instanceof UpstreamTimeout ? 'timeout' : 'unavailable' };
  }
  return { kind: 'body', body: Buffer.concat(chunks) };
}
