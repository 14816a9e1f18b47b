// Console test support: a cookie-keeping form client (what a browser does, minus the browser), the outbox
// reader, and a full sign-in (magic link, then TOTP enrolment or a code) built from them.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticator } from 'otplib';

export interface PageReply {
  status: number;
  headers: Headers;
  text: string;
  location: string | undefined;
}

export class FormClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  async request(
    method: string,
    path: string,
    fields?: Record<string, string | string[]>,
  ): Promise<PageReply> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (fields) {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(fields)) {
        for (const item of Array.isArray(value) ? value : [value]) params.append(name, item);
      }
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      if (/Max-Age=0/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return {
      status: response.status,
      headers: response.headers,
      text: await response.text(),
      location: response.headers.get('location') ?? undefined,
    };
  }

  get(path: string): Promise<PageReply> {
    return this.request('GET', path);
  }

  post(path: string, fields: Record<string, string | string[]>): Promise<PageReply> {
    return this.request('POST', path, fields);
  }

  /** Posts a form and follows its 303 (Post/Redirect/Get), returning the page it leads to. */
  async submitAndFollow(
    page: PageReply,
    path: string,
    fields: Record<string, string | string[]> = {},
  ): Promise<PageReply> {
    const posted = await this.submit(page, path, fields);
    if (posted.status !== 303 || !posted.location) return posted;
    return this.get(posted.location);
  }

  /** Posts a form with the CSRF token taken from the page it came from. */
  async submit(
    page: PageReply,
    path: string,
    fields: Record<string, string | string[]> = {},
  ): Promise<PageReply> {
    return this.post(path, { _csrf: csrfOf(page), ...fields });
  }
}

export function csrfOf(page: PageReply): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page.text);
  if (!match?.[1]) throw new Error(`no CSRF field on the page:\n${page.text.slice(0, 400)}`);
  return match[1];
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'tessera-console-'));
}

const handedOut = new Set<string>();

/** The newest sign-in link mailed to this address not handed out before (polls: mail is sent after the response). */
export async function linkFor(dataDir: string, email: string, after = 0): Promise<string> {
  const outbox = join(dataDir, 'outbox');
  for (let attempt = 0; attempt < 100; attempt++) {
    const files = (() => {
      try {
        return readdirSync(outbox).sort();
      } catch {
        return [];
      }
    })();
    for (const file of files.reverse()) {
      const message = JSON.parse(readFileSync(join(outbox, file), 'utf8')) as {
        to: string;
        link: string;
        created_at: string;
      };
      const fresh = !handedOut.has(message.link) && Date.parse(message.created_at) >= after;
      if (message.to === email && message.link.includes('token=') && fresh) {
        handedOut.add(message.link);
        return message.link;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no sign-in link for ${email} in ${outbox}`);
}

export function outboxCount(dataDir: string): number {
  try {
    return readdirSync(join(dataDir, 'outbox')).length;
  } catch {
    return 0;
  }
}

export function pathOf(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

export function totpSecretOf(page: PageReply): string {
  const match = /id="totp-secret">([A-Z2-7 ]+)</.exec(page.text);
  if (!match?.[1]) throw new Error('no TOTP secret on the enrolment page');
  return match[1].replace(/ /g, '');
}

export function codeAt(secret: string, atMs: number): string {
  return authenticator.clone({ epoch: atMs }).generate(secret);
}

export interface SignedIn {
  client: FormClient;
  secret: string;
  page: PageReply;
}

/**
 * Signs in through the outbox link; enrols TOTP the first time (returning the secret), or answers the
 * challenge with a code for `clock()` when a secret is given.
 */
export async function signIn(
  baseUrl: string,
  dataDir: string,
  email: string,
  clock: () => number,
  secret?: string,
): Promise<SignedIn> {
  const client = new FormClient(baseUrl);
  const login = await client.get('/console/login');
  const requested = clock();
  const sent = await client.submit(login, '/console/login', { email });
  if (sent.status !== 200) throw new Error(`login request failed: ${sent.status}`);
  const link = await linkFor(dataDir, email, requested);
  const confirm = await client.get(pathOf(link));
  const token = new URL(link).searchParams.get('token') ?? '';
  const consumed = await client.submit(confirm, '/console/login/link', { token });
  if (consumed.location !== '/console/mfa')
    throw new Error(`link not accepted: ${consumed.status} ${consumed.text.slice(0, 200)}`);
  if (secret) {
    const challenge = await client.get('/console/mfa');
    const page = await client.submit(challenge, '/console/mfa', { code: codeAt(secret, clock()) });
    if (page.status !== 303) throw new Error(`TOTP refused: ${page.status}`);
    return { client, secret, page };
  }
  const enrol = await client.get('/console/mfa/enrol');
  const newSecret = totpSecretOf(enrol);
  const enrolled = await client.submit(enrol, '/console/mfa/enrol', { code: codeAt(newSecret, clock()) });
  if (enrolled.location !== '/console/mfa/recovery-codes')
    throw new Error(`enrolment failed: ${enrolled.status} ${enrolled.text.slice(0, 300)}`);
  // Post/Redirect/Get: the recovery codes are on the page the POST redirects to.
  const page = await client.get(enrolled.location);
  return { client, secret: newSecret, page };
}
