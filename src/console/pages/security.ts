// Security (every user, for their own account): second factors (TOTP, passkeys), recovery codes, active
// sessions (browser, system, address, last use) with revoke and "sign out other sessions", and sign-out.
// Recovery codes and passkeys need a second factor given in the last 10 minutes (step-up).
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { appendAuditEvents } from '../../audit/append.ts';
import {
  listPasskeys,
  registerPasskey,
  registrationOptions,
  relyingPartyOf,
  removePasskey,
} from '../auth/passkeys.ts';
import { remainingRecoveryCodes, replaceRecoveryCodes } from '../auth/recovery-codes.ts';
import {
  type ConsoleSession,
  listActiveSessions,
  revokeOtherSessions,
  revokeSession,
  setWebauthnChallenge,
} from '../auth/sessions.ts';
import { confirmFactor, factorIsRecent, stepUpPassed } from '../auth/step-up.ts';
import { totpConfirmedAt } from '../auth/totp-factor.ts';
import {
  access,
  actorOf,
  type ConsoleDeps,
  field,
  jsonOf,
  redirect,
  sendHtml,
  sessionOf,
} from '../context.ts';
import { clearCookie } from '../cookies.ts';
import { type Flash, setFlash, takeFlash } from '../flash.ts';
import { html } from '../html.ts';
import { notFound, PageError } from '../page-error.ts';
import { describeUserAgent } from '../user-agent.ts';
import { flashBlock } from './flash-block.ts';
import { csrfField, formatDate, renderPage } from './layout.ts';

async function securityPage(deps: ConsoleDeps, session: ConsoleSession, flash?: Flash): Promise<string> {
  const userId = session.user.id;
  const [totp, passkeys, remaining, sessions] = [
    await totpConfirmedAt(deps.db, userId),
    await listPasskeys(deps.db, userId),
    await remainingRecoveryCodes(deps.db, userId),
    await listActiveSessions(deps.db, userId, deps.now()),
  ];
  const recent = factorIsRecent(session, deps.now());
  const body = html`<h1>Security</h1>${flashBlock(flash)}
    ${recent ? '' : stepUpForm(session)}
    <section class="card"><h2>Second factors</h2>
      <p>Authenticator app (TOTP): ${totp ? html`<strong>active</strong> since ${formatDate(totp)}` : 'not set up'}</p>
      <h3>Passkeys</h3>
      ${
        passkeys.length > 0
          ? html`<ul>${passkeys.map(
              (
                p,
              ) => html`<li>${p.name} — added ${formatDate(p.created_at)}, last used ${formatDate(p.last_used_at)}
        <form class="inline" method="post" action="/console/security/passkeys/remove">${csrfField(session)}
          <input type="hidden" name="id" value="${p.id}"><button class="danger" type="submit" aria-label="Remove passkey ${p.name}">Remove</button></form></li>`,
            )}</ul>`
          : html`<p>No passkeys yet.</p>`
      }
      <div class="row"><div class="field"><label for="passkey-name">Passkey name</label><input id="passkey-name" type="text" maxlength="100" value="My passkey"></div>
        <div class="field"><button type="button" id="passkey-register" data-csrf="${session.csrfToken}" aria-controls="passkey-status" hidden>Add a passkey</button></div></div>
      <p id="passkey-status" role="status" class="hint">Passkeys need a browser with JavaScript and WebAuthn.</p></section>
    <section class="card"><h2>Recovery codes</h2><p>${remaining} unused recovery code(s) left.</p>
      <form method="post" action="/console/security/recovery-codes" data-confirm="Replace your recovery codes? The old ones stop working.">${csrfField(session)}
        <button class="secondary" type="submit">Generate new recovery codes</button></form></section>
    <section class="card"><h2>Active sessions</h2>
      <div class="table-wrap" role="region" aria-label="Active sessions" tabindex="0"><table class="stack"><thead><tr><th scope="col">Browser</th><th scope="col">System</th><th scope="col">Address</th><th scope="col">Last used</th><th scope="col">Signed in</th><th scope="col">Actions</th></tr></thead>
      <tbody>${sessions.map((s) => {
        const agent = describeUserAgent(s.user_agent);
        return html`<tr><td data-label="Browser" title="${s.user_agent ?? ''}">${agent.browser}</td><td data-label="System">${agent.system}</td>
        <td data-label="Address">${s.client_ip ?? ''}</td><td data-label="Last used">${formatDate(s.last_seen_at)}</td><td data-label="Signed in">${formatDate(s.created_at)}</td><td data-label="Actions">${
          s.id_sha256 === session.idSha256
            ? html`<span class="badge">this session</span>`
            : html`
        <form class="inline" method="post" action="/console/security/sessions/revoke">${csrfField(session)}<input type="hidden" name="id" value="${s.id_sha256}">
          <button class="danger" type="submit">Revoke</button></form>`
        }</td></tr>`;
      })}</tbody></table></div>
      ${
        sessions.length > 1
          ? html`<form method="post" action="/console/security/sessions/revoke-others">${csrfField(session)}
        <button class="danger" type="submit">Sign out other sessions</button></form>`
          : ''
      }</section>`;
  return renderPage({ title: 'Security', session, section: 'security', body });
}

/** Shown while the factor is not recent: passkey changes (made by script) need it given first. */
function stepUpForm(session: ConsoleSession) {
  return html`<section class="card" aria-labelledby="step-up-title"><h2 id="step-up-title">Confirm it's you</h2>
    <p>Adding or removing a passkey and new recovery codes need a code from your authenticator app, given in the last 10 minutes.</p>
    <form method="post" action="/console/security/step-up">${csrfField(session)}<div class="row">
      <div class="field"><label for="security-step-up">6-digit code</label>
        <input id="security-step-up" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required></div>
      <div class="field"><button type="submit" class="secondary">Confirm</button></div></div></form></section>`;
}

const NOT_RECENT = () =>
  new PageError(
    401,
    "Confirm it's you",
    'Enter a code from your authenticator app under "Confirm it\'s you" on this page first.',
  );

export function securityRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  const rp = relyingPartyOf(deps.config.consoleUrl);
  const audit = async (
    request: Parameters<typeof actorOf>[0],
    action: string,
    detail?: Record<string, string | number>,
  ) => {
    const session = sessionOf(request);
    await deps.db.transaction((tx) =>
      appendAuditEvents(tx, [
        actorOf(request, deps).event(action, {
          partnerId: session.user.partner_id,
          environment: null,
          ...(detail ? { detail } : {}),
        }),
      ]),
    );
  };
  const done = async (request: Parameters<typeof actorOf>[0], reply: FastifyReply, flash: Flash) => {
    await setFlash(deps.db, deps.box, sessionOf(request), flash);
    return redirect(reply, '/console/security');
  };

  scope.get('/security', access('member'), async (request, reply) => {
    const session = sessionOf(request);
    const flash = await takeFlash(deps.db, deps.box, session);
    return sendHtml(reply, await securityPage(deps, session, flash));
  });

  scope.post('/security/step-up', access('member'), async (request, reply) => {
    const ok = await confirmFactor(deps, request, field(request, 'code', 20));
    const text = ok
      ? 'Confirmed. You can change your second factors for the next 10 minutes.'
      : 'That code is not valid. Wait for the next one and try again.';
    return done(request, reply, { kind: 'notice', text });
  });

  scope.post('/security/recovery-codes', access('member'), async (request, reply) => {
    const session = sessionOf(request);
    if (!(await stepUpPassed(deps, request, reply, 'generate new recovery codes'))) return reply;
    const codes = await deps.db.transaction((tx) => replaceRecoveryCodes(tx, session.user.id, deps.now()));
    await audit(request, 'console.recovery_codes_generated');
    return done(request, reply, { kind: 'recovery_codes', codes });
  });

  scope.post('/security/sessions/revoke', access('member'), async (request, reply) => {
    const session = sessionOf(request);
    const revoked = await revokeSession(deps.db, session.user.id, field(request, 'id', 64), deps.now());
    if (!revoked) throw notFound();
    await audit(request, 'console.session_revoked');
    return done(request, reply, { kind: 'notice', text: 'The session is revoked.' });
  });

  scope.post('/security/sessions/revoke-others', access('member'), async (request, reply) => {
    const session = sessionOf(request);
    const count = await revokeOtherSessions(deps.db, session.user.id, session.idSha256, deps.now());
    if (count > 0) await audit(request, 'console.other_sessions_revoked', { count });
    const text = count > 0 ? `Signed out of ${count} other session(s).` : 'There were no other sessions.';
    return done(request, reply, { kind: 'notice', text });
  });

  scope.post('/security/passkeys/options', access('member'), async (request) => {
    const session = sessionOf(request);
    if (!factorIsRecent(session, deps.now())) throw NOT_RECENT();
    const options = await registrationOptions(deps.db, rp, session.user);
    await setWebauthnChallenge(deps.db, session.idSha256, options.challenge);
    return options;
  });

  scope.post('/security/passkeys', access('member'), async (request) => {
    const session = sessionOf(request);
    if (!factorIsRecent(session, deps.now())) throw NOT_RECENT();
    const body = jsonOf(request);
    const challenge = session.webauthnChallenge;
    await setWebauthnChallenge(deps.db, session.idSha256, null);
    const name =
      typeof body.name === 'string' && body.name.trim() ? body.name.trim().slice(0, 100) : 'Passkey';
    const response = body.response as RegistrationResponseJSON | undefined;
    const id =
      challenge && response
        ? await registerPasskey(deps.db, rp, session.user.id, challenge, response, name, deps.now())
        : undefined;
    if (!id) throw new PageError(400, 'Passkey not added', 'The passkey could not be verified. Try again.');
    await audit(request, 'console.passkey_added', { name });
    await setFlash(deps.db, deps.box, session, { kind: 'notice', text: `Passkey ${name} added.` });
    return { ok: true };
  });

  scope.post('/security/passkeys/remove', access('member'), async (request, reply) => {
    const session = sessionOf(request);
    if (!(await stepUpPassed(deps, request, reply, 'remove a passkey'))) return reply;
    if (!(await removePasskey(deps.db, session.user.id, field(request, 'id', 1000)))) throw notFound();
    await audit(request, 'console.passkey_removed');
    return done(request, reply, { kind: 'notice', text: 'The passkey is removed.' });
  });

  scope.post('/logout', access('partial'), async (request, reply) => {
    const session = sessionOf(request);
    await revokeSession(deps.db, session.user.id, session.idSha256, deps.now());
    await audit(request, 'console.signed_out');
    clearCookie(request, reply, 'session');
    return redirect(reply, '/console/login?signed_out=1');
  });
}
