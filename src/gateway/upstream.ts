// One connection pool per upstream (keep-alive, at most max_connections sockets, mTLS when configured) and
// the exchange with it. `timeout_ms` bounds the whole exchange, response body included: a stalled download
// is cut at the deadline rather than holding a socket forever. Outcomes are values, not exceptions.
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Upstream } from './config.ts';

export type ForwardOutcome =
  | { readonly kind: 'response'; readonly response: IncomingMessage; readonly elapsedMs: number }
  | { readonly kind: 'unavailable'; readonly elapsedMs: number }
  | { readonly kind: 'timeout'; readonly elapsedMs: number };

export interface OutgoingRequest {
  readonly method: string;
  /** Path and query exactly as the partner sent them, appended to the upstream's base path. */
  readonly target: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer | undefined;
}

class UpstreamTimeout extends Error {}

export class UpstreamPool {
  readonly #agent: HttpAgent;
  readonly #basePath: string;

  constructor(
    readonly upstream: Upstream,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    const options = {
      keepAlive: true,
      maxSockets: upstream.maxConnections,
      maxFreeSockets: upstream.maxConnections,
    };
    this.#agent =
      upstream.url.protocol === 'https:'
        ? new HttpsAgent({ ...options, ...upstream.tls, minVersion: 'TLSv1.2' })
        : new HttpAgent(options);
    this.#basePath = upstream.url.pathname.replace(/\/+$/, '');
  }

  forward(outgoing: OutgoingRequest): Promise<ForwardOutcome> {
    const started = this.now();
    const elapsed = () => this.now() - started;
    const send = this.upstream.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const request = send(this.upstream.url, {
        agent: this.#agent,
        method: outgoing.method,
        path: this.#basePath + outgoing.target,
        headers: outgoing.headers,
      });
      const deadline = setTimeout(() => request.destroy(new UpstreamTimeout()), this.upstream.timeoutMs);
      let answered = false;
      request.on('response', (response) => {
        answered = true;
        response.once('close', () => clearTimeout(deadline));
        resolve({ kind: 'response', response, elapsedMs: elapsed() });
      });
      request.on('error', (error) => {
        if (answered) return; // the response stream reports its own failure to whoever reads it
        clearTimeout(deadline);
        resolve({ kind: error instanceof UpstreamTimeout ? 'timeout' : 'unavailable', elapsedMs: elapsed() });
      });
      request.end(outgoing.body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Reads a response body up to `limit` bytes; undefined when it is longer (the stream is then destroyed). */
export async function readBounded(response: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        response.destroy();
        return undefined;
      }
      chunks.push(chunk as Buffer);
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(chunks);
}
