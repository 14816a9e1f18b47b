// The staff console's encapsulated scope under /staff: reachable only from TESSERA_ADMIN_ALLOWLIST, its own
// form parser, the console's strict CSP, session loading with idle and absolute limits, one access and
// CSRF check for every route (a route that declares nothing needs `admin`), and plain-language error pages.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../../console/html.ts';
import { PageError, temporarilyUnavailable } from '../../console/page-error.ts';
import { CONSOLE_CSP } from '../../console/plugin.ts';
import { constantTimeEqual } from '../../crypto.ts';
import type { AppDeps } from '../../deps.ts';
import { isTemporarilyUnavailable } from '../../http/error-handler.ts';
import { compileCidrs } from '../../net/cidr.ts';
import { mayPerform } from '../permissions.ts';
import { loadStaffSession } from '../sessions.ts';
import { seeOther, sendPage } from './context.ts';
import { readStaffCookie } from './cookies.ts';
import { staffPage } from './layout.ts';

const FORM_LIMIT_BYTES = 16 * 1024;

export function setUpStaffScope(scope: FastifyInstance, deps: AppDeps): void {
  const allowed = compileCidrs(deps.config.adminAllowlist);
  scope.decorateRequest('staffSession', undefined);
  scope.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (_request, body, done) => done(null, new URLSearchParams(String(body))),
  );
  scope.addHook('onRequest', async (request) => {
    if (!allowed.matches(request.tessera.clientIp)) {
      throw new PageError(
        403,
        'Not reachable from here',
        'The staff console is open only to the staff network.',
      );
    }
    const token = readStaffCookie(request, 'tessera_staff_session');
    request.staffSession = token ? await loadStaffSession(deps.db, token, deps.now()) : undefined;
    // Staff actions taken here are audited with the person and the channel "staff_console".
    if (request.staffSession) request.tessera.staff = request.staffSession.person;
  });
  scope.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', CONSOLE_CSP);
    return payload;
  });
  scope.addHook('preHandler', enforceAccess);
  scope.setNotFoundHandler((request, reply) =>
    renderError(request, reply, new PageError(404, 'Not found', 'There is nothing here.')),
  );
  scope.setErrorHandler((error, request, reply) => renderError(request, reply, toPageError(error, request)));
}

async function enforceAccess(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  const level = request.routeOptions.config.staffConsole ?? 'admin';
  if (level === 'anonymous') return undefined;
  const session = request.staffSession;
  const isWrite = request.method !== 'GET' && request.method !== 'HEAD';
  if (!session) {
    if (!isWrite) return seeOther(reply, '/staff/login');
    throw new PageError(401, 'Please sign in', 'Your staff session has ended. Sign in again.');
  }
  if (isWrite) {
    const form = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    const submitted = form.get('_csrf') ?? '';
    if (!constantTimeEqual(submitted, session.csrfToken)) {
      throw new PageError(403, 'This form has expired', 'Reload the page and try again.');
    }
  }
  if (!mayPerform(session.person, level)) {
    throw new PageError(403, 'Not allowed', 'Your staff role does not allow this.');
  }
  return undefined;
}

function toPageError(error: unknown, request: FastifyRequest): PageError {
  if (error instanceof PageError) return error;
  const status = (error as Partial<FastifyError>).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new PageError(400, 'The request was not understood', 'Go back, reload the page and try again.');
  }
  if (isTemporarilyUnavailable(error)) return temporarilyUnavailable();
  request.log.error({ err: error, event: 'staff_console.failed' }, 'unexpected staff console error');
  return new PageError(500, 'Something went wrong', `Nothing was changed. Quote reference ${request.id}.`);
}

function renderError(request: FastifyRequest, reply: FastifyReply, error: PageError): FastifyReply {
  request.tessera.errorCode = `staff_console.${error.status}`;
  const body = html`<div class="card narrow" role="alert"><h1>${error.title}</h1><p>${error.explanation}</p>
    <p><a href="/staff">Back to the staff console</a></p></div>`;
  return sendPage(reply, staffPage(error.title, request.staffSession, body), error.status);
}
