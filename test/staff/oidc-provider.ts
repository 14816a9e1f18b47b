// A real OpenID Provider for the staff-plane tests, started by the test itself: `oidc-provider` with a
// confidential client for the staff console, a public client for `tessera login`, and staff users with and
// without a second factor and with each role. Its login page asks for a user name and password; users with
// a second factor sign in with amr [pwd, otp], the others with [pwd] only. Access tokens are JWTs for the
// `tessera-staff` audience carrying the person's groups, amr and email.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export const STAFF_AUDIENCE = 'tessera-staff';
/** RFC 8707 wants an absolute URI as the resource; the tokens' `aud` is still STAFF_AUDIENCE. */
const STAFF_RESOURCE = 'urn:tessera:staff';
export const CONSOLE_CLIENT = { id: 'tessera-console', secret: 'console-secret-0123456789abcdef0123456789' };
export const CLI_CLIENT_ID = 'tessera-cli';
export const PASSWORD = 'correct horse battery staple';

export interface StaffUser {
  subject: string;
  email: string;
  groups: string[];
  secondFactor: boolean;
}

export const USERS: Record<string, StaffUser> = {
  ada: { subject: 'u-ada', email: 'ada@ops.example', groups: ['tessera-admin'], secondFactor: true },
  bob: { subject: 'u-bob', email: 'bob@ops.example', groups: ['tessera-admin'], secondFactor: true },
  oli: { subject: 'u-oli', email: 'oli@ops.example', groups: ['tessera-operator'], secondFactor: true },
  aud: { subject: 'u-aud', email: 'aud@ops.example', groups: ['tessera-auditor'], secondFactor: true },
  nomfa: { subject: 'u-nomfa', email: 'nomfa@ops.example', groups: ['tessera-admin'], secondFactor: false },
  norole: { subject: 'u-norole', email: 'norole@ops.example', groups: ['finance'], secondFactor: true },
};

const bySubject = (subject: string) => Object.values(USERS).find((user) => user.subject === subject);
const amrOf = (user: StaffUser) => (user.secondFactor ? ['pwd', 'otp'] : ['pwd']);

export interface TestProvider {
  issuer: string;
  close(): Promise<void>;
}

export async function startProvider(consoleRedirect: string): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, configuration(consoleRedirect));
  const callback = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(provider, req, res).catch(() => {
        res.statusCode = 500;
        res.end('interaction failed');
      });
      return;
    }
    callback(req, res);
  });
  return { issuer, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function configuration(consoleRedirect: string): Configuration {
  return {
    clients: [
      {
        client_id: CONSOLE_CLIENT.id,
        client_secret: CONSOLE_CLIENT.secret,
        redirect_uris: [consoleRedirect],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        client_id: CLI_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    // Scope claims (email, groups) in the ID token too, as Keycloak's mappers put them there.
    conformIdTokenClaims: false,
    cookies: { keys: ['test-cookie-key-0123456789abcdef'] },
    pkce: { required: () => true },
    claims: {
      acr: null,
      amr: null,
      auth_time: null,
      iss: null,
      sid: null,
      openid: ['sub', 'amr', 'acr', 'auth_time'],
      email: ['email'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'groups'],
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => STAFF_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'openid',
          audience: STAFF_AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    async findAccount(_ctx: KoaContextWithOIDC, subject: string) {
      const user = bySubject(subject);
      if (!user) return undefined;
      return { accountId: subject, claims: () => ({ sub: subject, email: user.email, groups: user.groups }) };
    },
    async extraTokenClaims(_ctx: KoaContextWithOIDC, token) {
      const user = 'accountId' in token ? bySubject(String(token.accountId)) : undefined;
      return user ? { email: user.email, groups: user.groups, amr: amrOf(user) } : {};
    },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction) => `/interaction/${interaction.uid}` },
  };
}

/** The provider's sign-in page and its automatic consent (first-party clients). */
async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>Staff sign-in</title><h1>Staff sign-in</h1>
<form method="post" action="/interaction/${details.uid}"><label>User <input name="login" autofocus></label>
<label>Password <input name="password" type="password"></label><button type="submit">Sign in</button></form>`);
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    const user = USERS[form.get('login') ?? ''];
    if (!user || form.get('password') !== PASSWORD) {
      res.statusCode = 401;
      res.end('wrong user or password');
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.subject, amr: amrOf(user) } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const grant = new provider.Grant({
    accountId: String(details.session?.accountId),
    clientId: String(details.params.client_id),
  });
  grant.addOIDCScope('openid email groups');
  grant.addOIDCClaims(['email', 'groups']);
  grant.addResourceScope(STAFF_RESOURCE, 'openid');
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
