// tessera login: a staff member signs in at the staff OpenID Provider with the authorization code flow,
// PKCE and a loopback redirect (RFC 8252 §7.3), and the CLI keeps the tokens for later commands.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { isLoopbackHost } from '../../src/net/loopback.ts';
import { UsageError } from '../args.ts';
import { expectNoPositionals, runGroup } from '../command.ts';
import { saveCredentials } from '../credentials.ts';
import { type CliIo, writeError, writeJson, writeLines } from '../output.ts';

export const LOGIN_USAGE = `Usage:
  tessera login [--issuer URL] [--client-id ID] [--json]

Signs you in at the staff OpenID Provider (authorization code with PKCE and a loopback redirect): open
the URL it prints, sign in with your second factor, and the tokens are kept in
~/.config/tessera/credentials.json (mode 0600). Later commands use them unless TESSERA_ADMIN_TOKEN or
--token is given.

  --issuer URL     the staff issuer (default: TESSERA_STAFF_OIDC_ISSUER)
  --client-id ID   the CLI's public client (default: TESSERA_CLI_OIDC_CLIENT_ID, then tessera-cli)
`;

const LOGIN_TIMEOUT_MS = 5 * 60_000;

export function runLogin(args: string[], io: CliIo): Promise<number> {
  // `tessera login` has no subcommand; runGroup is given one so flags and help work the same way.
  const argv = args[0] === 'help' || args[0] === '--help' || args[0] === '-h' ? args : ['now', ...args];
  return runGroup('login', argv, io, LOGIN_USAGE, {
    now: {
      flags: ['issuer', 'client-id'],
      run: async ({ args: parsed }) => {
        expectNoPositionals(parsed);
        const issuer = parsed.string('issuer') ?? io.env.TESSERA_STAFF_OIDC_ISSUER?.trim();
        if (!issuer)
          throw new UsageError('the staff issuer is required (--issuer or TESSERA_STAFF_OIDC_ISSUER)');
        const clientId =
          parsed.string('client-id') ?? (io.env.TESSERA_CLI_OIDC_CLIENT_ID?.trim() || 'tessera-cli');
        return login(io, issuerUrl(issuer), clientId, parsed.json);
      },
    },
  });
}

function issuerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`the issuer is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new UsageError('the issuer must use https:// (plain http only on a loopback address)');
  }
  return url;
}

async function login(io: CliIo, issuer: URL, clientId: string, json: boolean): Promise<number> {
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(issuer, clientId, undefined, oidc.None(), {
      ...(issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
  } catch (error) {
    writeError(
      io,
      {
        code: 'cli.login_failed',
        message: `discovery at ${issuer.href} failed: ${reason(error)}`,
        request_id: null,
      },
      json,
    );
    return 1;
  }
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const { server, redirectUri, callback } = await loopbackReceiver();
  try {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email groups',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    io.stderr.write(`Open this URL in your browser to sign in:\n${url.href}\n`);
    const returned = await callback;
    const tokens = await oidc.authorizationCodeGrant(config, returned, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    const claims = tokens.claims();
    const path = saveCredentials(io.env, {
      issuer: config.serverMetadata().issuer,
      access_token: tokens.access_token,
      expires_at: Date.now() + (tokens.expiresIn() ?? 300) * 1000,
      ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}),
      ...(claims?.sub ? { subject: claims.sub } : {}),
      ...(typeof claims?.email === 'string' ? { email: claims.email } : {}),
    });
    const who = typeof claims?.email === 'string' ? claims.email : (claims?.sub ?? 'unknown');
    if (json) writeJson(io, { signed_in: who, credentials: path });
    else writeLines(io, [`Signed in as ${who}; credentials kept in ${path}`]);
    return 0;
  } catch (error) {
    writeError(
      io,
      { code: 'cli.login_failed', message: `sign-in failed: ${reason(error)}`, request_id: null },
      json,
    );
    return 1;
  } finally {
    server.close();
  }
}

/** A one-shot HTTP listener on 127.0.0.1 that resolves with the URL the provider redirected to. */
async function loopbackReceiver(): Promise<{ server: Server; redirectUri: string; callback: Promise<URL> }> {
  let resolveCallback: (url: URL) => void = () => {};
  let rejectCallback: (error: Error) => void = () => {};
  const callback = new Promise<URL>((resolve, reject) => {
    resolveCallback = resolve;
    rejectCallback = reject;
  });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', redirectUri);
    if (url.pathname !== '/callback') {
      response.statusCode = 404;
      response.end();
      return;
    }
    response.setHeader('content-type', 'text/plain; charset=utf-8');
    response.end('Signed in to Tessera. You can close this tab.\n');
    resolveCallback(url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const timer = setTimeout(() => rejectCallback(new Error('no sign-in within 5 minutes')), LOGIN_TIMEOUT_MS);
  timer.unref();
  callback.finally(() => clearTimeout(timer)).catch(() => {});
  return { server, redirectUri, callback };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown error';
}
