// A client that calls Tessera exactly like the Node sample of seed 001: Bearer key on every request, and on
// writes Idempotency-Key, X-Timestamp and X-Signature = hex(HMAC-SHA256(secret, canonical)).
import crypto from 'node:crypto';

export function signRequest(args: {
  secret: string;
  method: string;
  path: string;
  body: string;
  timestamp: number | string;
}) {
  const canonical = `${args.timestamp}\n${args.method}\n${args.path}\n${args.body}`;
  return crypto.createHmac('sha256', args.secret).update(canonical).digest('hex');
}

export function secretOf(key: string): string {
  return key.split('_')[3] ?? '';
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { code?: string; message?: string; request_id?: string };
  text: string;
}

export async function send(baseUrl: string, path: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(`${baseUrl}${path}`, init);
  const text = await response.text();
  let body: Reply['body'] = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  return { status: response.status, headers: response.headers, body, text };
}

export interface WriteOptions {
  idempotencyKey?: string | null;
  timestamp?: number | string | null;
  signature?: string | null;
  /** Sign this body but send `sentBody` instead (tampering). */
  sentBody?: string;
  headers?: Record<string, string>;
  secret?: string;
}

export class PartnerClient {
  /** `now` is the clock requests are signed with: the server's, when a test injects one. */
  constructor(
    readonly baseUrl: string,
    readonly key: string,
    readonly now: () => number = Date.now,
  ) {}

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return send(this.baseUrl, path, { headers: { authorization: `Bearer ${this.key}`, ...headers } });
  }

  write(method: string, path: string, body: unknown, options: WriteOptions = {}): Promise<Reply> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const timestamp = options.timestamp === undefined ? Math.floor(this.now() / 1000) : options.timestamp;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.key}`,
      'content-type': 'application/json',
      ...options.headers,
    };
    const idempotencyKey =
      options.idempotencyKey === undefined ? crypto.randomUUID() : options.idempotencyKey;
    if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey;
    if (timestamp !== null) headers['x-timestamp'] = String(timestamp);
    const signature =
      options.signature === undefined
        ? signRequest({
            secret: options.secret ?? secretOf(this.key),
            method,
            path,
            body: text,
            timestamp: timestamp ?? '',
          })
        : options.signature;
    if (signature !== null) headers['x-signature'] = signature;
    return send(this.baseUrl, path, { method, headers, body: options.sentBody ?? text });
  }

  post(path: string, body: unknown, options?: WriteOptions): Promise<Reply> {
    return this.write('POST', path, body, options);
  }
}
