// Security (every user, for their own account): second factors (TOTP, passkeys), recovery codes, active
// sessions with revoke, and sign-out.
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance } from 'fastify';
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
  revokeSession,
  setWebauthnChallenge,
} from '../auth/sessions.ts';
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
import { type Html, html } from '../html.ts';
import { notFound, PageError } from '../page-error.ts';
import { csrfField, formatDate, renderPage } from './layout.ts';
import { recoveryCodesBlock } from './recovery-codes-block.ts';

async function securityPage(deps: ConsoleDeps, session: ConsoleSession, flash?: Html): Promise<string> {
  const userId = session.user.id;
  const [totp, passkeys, remaining, sessions] = [
    await totpConfirmedAt(deps.db, userId),
    await listPasskeys(deps.db, userId),
    await remainingRecoveryCodes(deps.db, userId),
    await listActiveSessions(deps.db, userId, deps.now()),
  ];
  const body = html`<h1>Security</h1>${flash ?? ''}
    <section class="card"><h2>Second factors</h2>
      <p>Authenticator app (TOTP): ${totp ? html`<strong>active</strong> since ${formatDate(totp)}` : 'not set up'}</p>
      <h3>Passkeys</h3>
      ${
        passkeys.length > 0
          ? html`<ul>${passkeys.map(
              (
                p,
              ) => html`<li>${p.name} — added ${formatDate(p.created_at)}, last used ${formatDate(p.last_used_at)}
        <form class="inline" method="post" action="/console/security/passkeys/remove" data-confirm="Remove passkey ${p.name}?">${csrfField(session)}
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
      <div class="table-wrap"><table><thead><tr><th scope="col">Signed in</th><th scope="col">Last seen</th><th scope="col">IP</th><th scope="col">Browser</th><th scope="col">Actions</th></tr></thead>
      <tbody>${sessions.map(
        (
          s,
        ) => html`<tr><td>${formatDate(s.created_at)}</td><td>${formatDate(s.last_seen_at)}</td><td>${s.client_ip ?? ''}</td>
        <td>${(s.user_agent ?? '').slice(0, 60)}</td><td>${
          s.id_sha256 === session.idSha256
            ? html`<span class="badge">this session</span>`
            : html`
        <form class="inline" method="post" action="/console/security/sessions/revoke">${csrfField(session)}<input type="hidden" name="id" value="${s.id_sha256}">
          <button class="danger" type="submit">Revoke</button></form>`
        }</td></tr>`,
      )}</tbody></table></div></section>`;
  return renderPage({ title: 'Security', session, section: 'security', body });
}

export function securityRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  const rp = relyingPartyOf(deps.config.consoleUrl);
  const audit = async (
    request: Parameters<typeof actorOf>[0],
    action: string,
    detail?: Record<string, string>,
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

  scope.get('/security', access('member'), async (request, reply) =>
    sendHtml(reply, await securityPage(deps, sessionOf(request))),
  );

  scope.post('/security/recovery-codes', access('member'), async (request, reply) => {
    const session = sessionOf(request);
    const codes = await deps.db.transaction((tx) => replaceRecoveryCodes(tx, session.user.id, deps.now()));
    await audit(request, 'console.recovery_codes_generated');
    return sendHtml(
      reply,
      await securityPage(deps, session, html`<section class="card">${recoveryCodesBlock(codes)}</section>`),
    );
  });

  scope.post('/security/sessions/revoke', access('member'), async (request, reply) => {
    const session = sessionOf(request);
    const revoked = await revokeSession(deps.db, session.user.id, field(request, 'id', 64), deps.now());
    if (!revoked) throw notFound();
    await audit(request, 'console.session_revoked');
    return sendHtml(
      reply,
      await securityPage(deps, session, html`<p class="notice" role="status">The session is revoked.</p>`),
    );
  });

  scope.post('/security/passkeys/options', access('member'), async (request) => {
    const session = sessionOf(request);
    const options = await registrationOptions(deps.db, rp, session.user);
    await setWebauthnChallenge(deps.db, session.idSha256, options.challenge);
    return options;
  });

  scope.post('/security/passkeys', access('member'), async (request) => {
    const session = sessionOf(request);
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
    return { ok: true };
  });

  scope.post('/security/passkeys/remove', access('member'), async (request, reply) => {
    const session = sessionOf(request);
    if (!(await removePasskey(deps.db, session.user.id, field(request, 'id', 1000)))) throw notFound();
    await audit(request, 'console.passkey_removed');
    return sendHtml(
      reply,
      await securityPage(deps, session, html`<p class="notice" role="status">The passkey is removed.</p>`),
    );
  });

  scope.post('/logout', access('partial'), async (request, reply) => {
    const session = sessionOf(request);
    await revokeSession(deps.db, session.user.id, session.idSha256, deps.now());
    await audit(request, 'console.signed_out');
    clearCookie(request, reply, 'session');
    return redirect(reply, '/console/login?signed_out=1');
  });
}
