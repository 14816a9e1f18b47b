// A minimal user agent for sign-in flows without a browser: keeps cookies per origin, follows redirects
// itself, and fills in the test provider's sign-in form, as a person would.
import { PASSWORD } from './oidc-provider.ts';

export class BrowserAgent {
  readonly #cookies = new Map<string, Map<string, string>>();

  /** Follows redirects from `url`; stops at a page (2xx/4xx/5xx) and returns it with its final URL. */
  async open(url: string, init: RequestInit = {}): Promise<{ url: string; status: number; text: string }> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < 20; hop++) {
      const response = await fetch(current, {
        ...request,
        redirect: 'manual',
        headers: this.#headers(current, request),
      });
      this.#keep(current, response);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).href;
        request = {};
        continue;
      }
      return { url: current, status: response.status, text: await response.text() };
    }
    throw new Error('too many redirects');
  }

  /** Opens an authorization URL and signs in as `login` on the provider's page; returns where it ends. */
  async signIn(authorizationUrl: string, login: string) {
    const page = await this.open(authorizationUrl);
    const action = /<form method="post" action="([^"]+)"/.exec(page.text)?.[1];
    if (!action) throw new Error(`no sign-in form at ${page.url}: ${page.status}`);
    return this.open(new URL(action, page.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login, password: PASSWORD }).toString(),
    });
  }

  cookie(origin: string, name: string): string | undefined {
    return this.#cookies.get(new URL(origin).origin)?.get(name);
  }

  #headers(url: string, init: RequestInit): Record<string, string> {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    const jar = this.#cookies.get(new URL(url).origin);
    if (jar && jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    return headers;
  }

  #keep(url: string, response: Response): void {
    const origin = new URL(url).origin;
    const jar = this.#cookies.get(origin) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.#cookies.set(origin, jar);
  }
}
