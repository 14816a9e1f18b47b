// A tiny stand-in for the Tessera API on 127.0.0.1: it checks the bearer key and verifies every write's
// signature independently of the SDK (its own HMAC, constant-time compare), records each attempt, and
// answers with whatever the test scripts: a reply, a connection reset, or silence.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** The request target exactly as received. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** 1-based position of this request on the server. */
  readonly number: number;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** `reset` destroys the socket without answering; `hang` never answers. */
export type Scripted = Reply | 'reset' | 'hang';

export type Handler = (request: RecordedRequest) => Scripted;

export interface FakeTesseraOptions {
  readonly apiKey: string;
  readonly secret: string;
  /** The server's clock in epoch ms; writes more than 300 s away from it are rejected as skewed. */
  readonly serverNow?: () => number;
}

const SKEW_LIMIT_SECONDS = 300;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorReply(status: number, code: string, extra: Record<string, string> = {}): Reply {
  return { status, body: { code, message: `fake ${code}`, request_id: 'req_fake' }, headers: extra };
}

export function verifySignature(secret: string, request: RecordedRequest): boolean {
  const timestamp = header(request.headers, 'x-timestamp') ?? '';
  const signature = header(request.headers, 'x-signature') ?? '';
  const canonical = `${timestamp}\n${request.method}\n${request.target}\n${request.body}`;
  const expected = createHmac('sha256', secret).update(canonical).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class FakeTessera {
  readonly requests: RecordedRequest[] = [];
  handler: Handler = () => ({ status: 200, body: {} });
  readonly #server: Server;
  readonly #options: FakeTesseraOptions;
  #url = '';

  private constructor(options: FakeTesseraOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          target: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          number: this.requests.length + 1,
        };
        this.requests.push(recorded);
        const scripted = this.#authenticate(recorded) ?? this.handler(recorded);
        if (scripted === 'reset') {
          req.socket.destroy();
        } else if (scripted !== 'hang') {
          this.#send(res, scripted);
        }
      });
    });
  }

  static async start(options: FakeTesseraOptions): Promise<FakeTessera> {
    const fake = new FakeTessera(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.#server.address() as AddressInfo;
    fake.#url = `http://127.0.0.1:${port}`;
    return fake;
  }

  get url(): string {
    return this.#url;
  }

  /** Answers with `replies` in order, then keeps repeating the last one. */
  script(...replies: Scripted[]): void {
    let next = 0;
    this.handler = () => {
      const reply = replies[Math.min(next, replies.length - 1)];
      next += 1;
      if (reply === undefined) throw new Error('script() needs at least one reply');
      return reply;
    };
  }

  idempotencyKeys(): (string | undefined)[] {
    return this.requests.map((request) => header(request.headers, 'idempotency-key'));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // The server-side checks the SDK must satisfy: bearer key on every request; on writes a fresh
  // timestamp and a valid signature over the exact bytes received.
  #authenticate(request: RecordedRequest): Scripted | undefined {
    if (header(request.headers, 'authorization') !== `Bearer ${this.#options.apiKey}`) {
      return errorReply(401, 'auth.api_key.invalid');
    }
    if (request.method === 'GET') return undefined;
    const serverNow = (this.#options.serverNow ?? Date.now)();
    const timestamp = Number(header(request.headers, 'x-timestamp'));
    if (!Number.isInteger(timestamp)) return errorReply(401, 'auth.timestamp.missing');
    if (Math.abs(serverNow / 1000 - timestamp) > SKEW_LIMIT_SECONDS) {
      return errorReply(401, 'auth.timestamp.skew', { Date: new Date(serverNow).toUTCString() });
    }
    if (!verifySignature(this.#options.secret, request)) return errorReply(401, 'auth.signature.invalid');
    return undefined;
  }

  #send(res: ServerResponse, reply: Reply): void {
    const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.statusCode = reply.status;
    res.setHeader('X-Request-Id', `req_${this.requests.length}`);
    if (typeof reply.body !== 'string') res.setHeader('Content-Type', 'application/json');
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    res.end(body);
  }
}
