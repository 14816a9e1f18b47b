// /staff/login, /staff/callback and /staff/logout. A refused sign-in (no second factor, no Tessera role)
// ends on a page that says why, and is audited with the person the provider named.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Actor } from '../../actor.ts';
import { appendAuditEvents } from '../../audit/append.ts';
import { html } from '../../console/html.ts';
import { PageError } from '../../console/page-error.ts';
import type { AppDeps } from '../../deps.ts';
import { staffActorFields, staffAuditDetail } from '../identity.ts';
import { createStaffSession, publicSessionId, revokeStaffSession } from '../sessions.ts';
import { decodePending, encodePending, type StaffSignIn } from '../sign-in.ts';
import { seeOther, sendPage, staffAccess, staffSessionOf } from './context.ts';
import { clearStaffCookie, readStaffCookie, setStaffCookie } from './cookies.ts';
import { staffPage } from './layout.ts';

const SIGN_IN_WINDOW_S = 600;

const REFUSALS = {
  no_mfa: [
    'A second factor is required',
    'Staff sign-in needs multi-factor authentication. Sign in again at your identity provider with your ' +
      'second factor (authenticator app or security key); if you have none, ask your identity administrator.',
  ],
  no_role: [
    'No Tessera role',
    'Your account has none of the roles tessera-admin, tessera-operator or tessera-auditor. Ask your ' +
      'identity administrator to add you to one of these groups.',
  ],
} as const;

export function signInPages(scope: FastifyInstance, deps: AppDeps, signIn: StaffSignIn): void {
  scope.get('/login', staffAccess('anonymous'), async (request, reply) => {
    const { url, pending } = await signIn.start();
    setStaffCookie(request, reply, 'tessera_staff_login', encodePending(pending), SIGN_IN_WINDOW_S);
    return seeOther(reply, url);
  });

  scope.get('/callback', staffAccess('anonymous'), async (request, reply) => {
    const pending = decodePending(readStaffCookie(request, 'tessera_staff_login'));
    clearStaffCookie(request, reply, 'tessera_staff_login');
    if (!pending) throw new PageError(400, 'Sign-in expired', 'Start again from the staff sign-in page.');
    const result = await signIn.finish(callbackUrl(request, deps), pending);
    if (result.kind === 'failed') {
      throw new PageError(
        400,
        'Sign-in failed',
        'The identity provider did not confirm the sign-in. Try again.',
      );
    }
    const now = deps.now();
    const meta = { clientIp: request.tessera.clientIp, userAgent: request.headers['user-agent'] };
    if (result.kind === 'refused') {
      await deps.db.transaction((tx) =>
        appendAuditEvents(tx, [
          new Actor('anonymous', result.email ?? result.subject, request.id, meta.clientIp).event(
            'staff.sign_in_refused',
            {
              partnerId: null,
              environment: null,
              detail: {
                reason: result.reason,
                staff_subject: result.subject,
                staff_email: result.email,
                channel: 'staff_console',
              },
            },
          ),
        ]),
      );
      const [title, explanation] = REFUSALS[result.reason];
      const body = html`<div class="card narrow" role="alert"><h1>${title}</h1><p>${explanation}</p>
        <p><a href="/staff/login">Sign in again</a></p></div>`;
      return sendPage(reply, staffPage(title, undefined, body), 403);
    }
    const session = await deps.db.transaction(async (tx) => {
      const created = await createStaffSession(tx, result, meta, now);
      const person = {
        ...result,
        kind: 'person' as const,
        sessionId: publicSessionId(created.idSha256),
        channel: 'staff_console' as const,
      };
      const { actorType, actorId } = staffActorFields(person);
      await appendAuditEvents(tx, [
        new Actor(
          actorType,
          actorId,
          request.id,
          meta.clientIp,
          () => new Date(now),
          staffAuditDetail(person),
        ).event('staff.signed_in', { partnerId: null, environment: null }),
      ]);
      return created;
    });
    setStaffCookie(request, reply, 'tessera_staff_session', session.token);
    // A page rather than a redirect: the Strict session cookie is not sent on a navigation that began at
    // the provider's site, so the first same-site navigation starts here.
    const body = html`<div class="card narrow"><h1>Signed in</h1><p><a href="/staff">Continue to the staff console</a></p></div>`;
    return sendPage(
      reply,
      staffPage('Signed in', undefined, body).replace(
        '<head>',
        '<head><meta http-equiv="refresh" content="0;url=/staff">',
      ),
    );
  });

  scope.post('/logout', staffAccess('read'), async (request, reply) => {
    const session = staffSessionOf(request);
    await revokeStaffSession(deps.db, session.idSha256, deps.now());
    clearStaffCookie(request, reply, 'tessera_staff_session');
    return seeOther(reply, '/staff/login');
  });
}

/** The callback URL as the provider redirected to it: the configured redirect URL plus this query. */
function callbackUrl(request: FastifyRequest, deps: AppDeps): URL {
  const base = deps.config.staffOidc?.redirectUrl ?? '';
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
  return new URL(`${base}${query}`);
}
