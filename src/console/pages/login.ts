// Sign-in by magic link. The request form answers the same whether or not the address has an account,
// and does the same work either way (see issueDecoy). The link opens a confirmation page; only its POST
// spends the token, so mail scanners that follow links neither burn nor use it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Actor } from '../../actor.ts';
import { appendAuditEvents } from '../../audit/append.ts';
import { randomToken, sha256Hex } from '../../crypto.ts';
import { consumeLink, issueDecoy, issueLink, LINK_TTL_MS } from '../auth/magic-links.ts';
import { createSession, revokeSession } from '../auth/sessions.ts';
import { hit, THROTTLES } from '../auth/throttle.ts';
import { access, type ConsoleDeps, field, redirect, sendHtml } from '../context.ts';
import { readCookie, setCookie } from '../cookies.ts';
import { html } from '../html.ts';
import { PageError } from '../page-error.ts';
import { findActiveUserByEmail, normaliseEmail } from '../users.ts';
import { firstPageFor } from './home.ts';
import { renderPage } from './layout.ts';

/** The login-CSRF value: kept if the browser already has one, so several tabs keep working. */
function loginCsrf(request: FastifyRequest, reply: FastifyReply): string {
  const existing = readCookie(request, 'login');
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const value = randomToken(32);
  setCookie(request, reply, 'login', value);
  return value;
}

function loginForm(csrf: string, message?: string) {
  return html`<div class="card narrow"><h1>Sign in</h1>
    ${message ? html`<p class="notice" role="status">${message}</p>` : ''}
    <p>Enter the email address your team registered. We will send you a sign-in link.</p>
    <form method="post" action="/console/login">
      <input type="hidden" name="_csrf" value="${csrf}">
      <div class="field"><label for="email">Email address</label>
        <input id="email" name="email" type="email" autocomplete="email" required maxlength="254"></div>
      <button type="submit">Email me a sign-in link</button>
    </form></div>`;
}

const SENT = html`<div class="card narrow" role="status"><h1>Check your email</h1>
  <p>If this address belongs to a Tessera console user, a sign-in link is on its way.
  It works once and expires in 15 minutes.</p>
  <p><a href="/console/login">Use another address</a></p></div>`;

export function loginRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/', access('anonymous'), async (request, reply) => {
    const session = request.consoleSession;
    if (!session) return redirect(reply, '/console/login');
    if (!session.mfaVerified) return redirect(reply, '/console/mfa');
    return redirect(reply, firstPageFor(session.user.role));
  });

  scope.get('/login', access('anonymous'), async (request, reply) => {
    const message = (request.query as { signed_out?: string }).signed_out ? 'You are signed out.' : undefined;
    return sendHtml(
      reply,
      renderPage({ title: 'Sign in', body: loginForm(loginCsrf(request, reply), message) }),
    );
  });

  scope.post('/login', access('anonymous'), async (request, reply) => {
    const now = deps.now();
    const raw = field(request, 'email', 300);
    const ip = request.tessera.clientIp;
    const perEmail = await hit(
      deps.db,
      `login:email:${sha256Hex(raw.trim().toLowerCase())}`,
      THROTTLES.loginPerEmail,
      now,
    );
    const perIp = await hit(deps.db, `login:ip:${ip}`, THROTTLES.loginPerIp, now);
    if (!perEmail || !perIp) {
      throw new PageError(
        429,
        'Too many sign-in requests',
        'Please wait 15 minutes before asking for another link.',
      );
    }
    const email = normaliseEmail(raw);
    if (!email)
      throw new PageError(400, 'Please check the address', 'That does not look like an email address.');
    const token = await deps.db.transaction(async (tx) => {
      const user = await findActiveUserByEmail(tx, email);
      const actor = new Actor('anonymous', null, request.id, ip, () => new Date(now));
      const issued = user ? await issueLink(tx, user.id, now, ip) : await issueDecoy(tx, now, ip);
      await appendAuditEvents(tx, [
        actor.event('console.login_link_requested', {
          partnerId: user?.partner_id ?? null,
          environment: null,
          detail: user ? { user_id: user.id } : { known: false },
        }),
      ]);
      return user ? { value: issued, to: user.email } : undefined;
    });
    if (token) {
      const link = `${deps.config.consoleUrl}/console/login/link?token=${token.value}`;
      const minutes = LINK_TTL_MS / 60_000;
      // Sent once the response has gone (or the client has), so no part of sending (composing, the outbox's
      // disk write, the SMTP connection) can make the answer slower when the address exists. The answer itself
      // waits for its audit event (an onSend hook): a send started earlier would run during that wait.
      reply.raw.once('close', () => {
        deps.mailer
          .send({
            to: token.to,
            subject: 'Your Tessera sign-in link',
            text: `Open this link to sign in to the Tessera console (it works once, for ${minutes} minutes):\n\n${link}\n\nIf you did not ask to sign in, ignore this message.\n`,
            link,
          })
          .catch((error: unknown) =>
            deps.logger.warn({ event: 'console.mail_failed', err: error }, 'mail not sent'),
          );
      });
    }
    return sendHtml(reply, renderPage({ title: 'Check your email', body: SENT }));
  });

  scope.get('/login/link', access('anonymous'), async (request, reply) => {
    const token = String((request.query as { token?: unknown }).token ?? '').slice(0, 100);
    const body = html`<div class="card narrow"><h1>Sign in to Tessera</h1>
      <p>Continue to sign in with the link from your email.</p>
      <form method="post" action="/console/login/link">
        <input type="hidden" name="_csrf" value="${loginCsrf(request, reply)}">
        <input type="hidden" name="token" value="${token}">
        <button type="submit">Continue</button>
      </form></div>`;
    return sendHtml(reply, renderPage({ title: 'Sign in', body }));
  });

  scope.post('/login/link', access('anonymous'), async (request, reply) => {
    const now = deps.now();
    const user = await consumeLink(deps.db, field(request, 'token', 100), now);
    if (!user) {
      throw new PageError(
        400,
        'This sign-in link cannot be used',
        'Sign-in links work once and for 15 minutes. Ask for a new one on the sign-in page.',
      );
    }
    const previous = request.consoleSession;
    const cookie = await deps.db.transaction(async (tx) => {
      if (previous) await revokeSession(tx, previous.user.id, previous.idSha256, now);
      const value = await createSession(
        tx,
        {
          userId: user.user_id,
          mfaVerified: false,
          clientIp: request.tessera.clientIp,
          userAgent: request.headers['user-agent'],
        },
        now,
      );
      const actor = new Actor(
        'user',
        user.user_id,
        request.id,
        request.tessera.clientIp,
        () => new Date(now),
      );
      await appendAuditEvents(tx, [
        actor.event('console.login_link_used', { partnerId: user.partner_id, environment: null }),
      ]);
      return value;
    });
    setCookie(request, reply, 'session', cookie);
    return redirect(reply, '/console/mfa');
  });
}
