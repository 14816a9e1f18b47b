// The console's encapsulated scope under /console: its own form parser, CSP, session loading, access and
// CSRF checks, and error pages. Nothing here changes how the API behaves.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../crypto.ts';
import { isTemporarilyUnavailable } from '../http/error-handler.ts';
import { FAVICON_SVG } from './assets/favicon.ts';
import { CONSOLE_JS } from './assets/script.ts';
import { CONSOLE_CSS } from './assets/styles.ts';
import { loadSession } from './auth/sessions.ts';
import type { ConsoleDeps } from './context.ts';
import { formOf, redirect, sendHtml } from './context.ts';
import { readCookie } from './cookies.ts';
import { html } from './html.ts';
import { csrfRejected, forbidden, notFound, PageError, temporarilyUnavailable } from './page-error.ts';
import { renderPage } from './pages/layout.ts';
import { canUse } from './roles.ts';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const FORM_LIMIT_BYTES = 32 * 1024;
/** The only console routes that need no access level: they serve the same static bytes to anyone. */
const STATIC_ASSETS = ['/assets/console.css', '/assets/console.js', '/assets/favicon.svg'];

export function setUpConsoleScope(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.decorateRequest('consoleSession', undefined);
  // Fails closed: a page without a declared access level would be served with no session check at all.
  scope.addHook('onRoute', (route) => {
    if (route.config?.console === undefined && !STATIC_ASSETS.some((asset) => route.url.endsWith(asset)))
      throw new Error(`console route ${route.url} declares no access level: refusing to start`);
  });
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (_request, body, done) => done(null, new URLSearchParams(String(body))),
  );

  scope.addHook('onRequest', async (request, reply) => {
    reply.header('content-security-policy', CONSOLE_CSP);
    if (request.routeOptions.config.console === undefined && request.routeOptions.url !== undefined) return;
    const token = readCookie(request, 'session');
    request.consoleSession = token ? await loadSession(deps.db, token, deps.now()) : undefined;
  });
  scope.addHook('preHandler', async (request, reply) => enforceAccess(request, reply));

  scope.get('/assets/console.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(CONSOLE_CSS),
  );
  scope.get('/assets/console.js', async (_request, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(CONSOLE_JS),
  );

  scope.get('/assets/favicon.svg', async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON_SVG),
  );

  scope.setNotFoundHandler((request, reply) => renderError(request, reply, notFound()));
  scope.setErrorHandler((error, request, reply) => renderError(request, reply, toPageError(error, request)));
}

async function enforceAccess(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const level = request.routeOptions.config.console;
  if (level === undefined) return; // static assets
  const isWrite = request.method !== 'GET' && request.method !== 'HEAD';
  if (level === 'anonymous') {
    // Login CSRF: the sign-in forms carry the value of a cookie only our own pages set.
    if (isWrite && !tokenMatches(submittedCsrf(request), readCookie(request, 'login'))) throw csrfRejected();
    return;
  }
  const session = request.consoleSession;
  if (!session) {
    if (!isWrite) {
      redirect(reply, '/console/login');
      return reply;
    }
    throw new PageError(401, 'Please sign in', 'Your session has ended. Sign in again to continue.');
  }
  if (isWrite && !tokenMatches(submittedCsrf(request), session.csrfToken)) throw csrfRejected();
  if (level === 'partial') return;
  if (!session.mfaVerified) {
    if (!isWrite) {
      redirect(reply, '/console/mfa');
      return reply;
    }
    throw new PageError(401, 'Second factor needed', 'Finish signing in with your second factor first.');
  }
  if (level !== 'member' && !canUse(session.user.role, level)) throw forbidden();
}

function submittedCsrf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  return formOf(request).get('_csrf') ?? undefined;
}

function tokenMatches(submitted: string | undefined, expected: string | undefined): boolean {
  return (
    submitted !== undefined &&
    expected !== undefined &&
    expected !== '' &&
    constantTimeEqual(submitted, expected)
  );
}

function toPageError(error: unknown, request: FastifyRequest): PageError {
  if (error instanceof PageError) return error;
  const status = (error as Partial<FastifyError>).statusCode;
  if (status === 413)
    return new PageError(413, 'Too much data', 'The form sent more data than the console accepts.');
  if (status === 415)
    return new PageError(415, 'Unsupported form', 'The console only accepts its own forms.');
  if (status !== undefined && status >= 400 && status < 500) {
    return new PageError(400, 'The request was not understood', 'Go back, reload the page and try again.');
  }
  if (isTemporarilyUnavailable(error)) return temporarilyUnavailable();
  request.log.error({ err: error, event: 'console.failed' }, 'unexpected console error');
  return new PageError(
    500,
    'Something went wrong on our side',
    `Nothing was changed. Please try again; if it keeps happening, quote reference ${request.id}.`,
  );
}

function renderError(request: FastifyRequest, reply: FastifyReply, error: PageError): FastifyReply {
  request.tessera.errorCode = `console.${error.status}`;
  if (request.headers['content-type']?.startsWith('application/json')) {
    return reply
      .code(error.status)
      .type('application/json; charset=utf-8')
      .send({ message: error.explanation });
  }
  const body = html`<div class="card narrow" role="alert"><h1>${error.title}</h1><p>${error.explanation}</p>
    <p><a href="/console">Back to the console</a></p></div>`;
  return sendHtml(
    reply,
    renderPage({ title: error.title, session: request.consoleSession, body }),
    error.status,
  );
}
