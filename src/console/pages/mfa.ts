// The second factor, enforced: a session exists only partially until a TOTP code, a recovery code or a
// passkey is proven. First sign-in enrols TOTP (QR code rendered here as SVG) and shows recovery codes once.

import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import { sha256Hex } from '../../crypto.ts';
import { authenticationOptions, listPasskeys, relyingPartyOf, verifyPasskey } from '../auth/passkeys.ts';
import { replaceRecoveryCodes, spendRecoveryCode } from '../auth/recovery-codes.ts';
import { completeSignIn, countWrongCode, refuseIfThrottled } from '../auth/second-factor.ts';
import { type ConsoleSession, setWebauthnChallenge } from '../auth/sessions.ts';
import { totpUri } from '../auth/totp.ts';
import { hasConfirmedTotp, pendingTotpSecret, verifyTotp } from '../auth/totp-factor.ts';
import { access, type ConsoleDeps, field, jsonOf, redirect, sendHtml, sessionOf } from '../context.ts';
import { setCookie } from '../cookies.ts';
import { setFlash, takeFlash } from '../flash.ts';
import { type Html, html, trusted } from '../html.ts';
import { PageError } from '../page-error.ts';
import { csrfField, renderPage } from './layout.ts';
import { recoveryCodesBlock } from './recovery-codes-block.ts';

function cancelForm(session: ConsoleSession): Html {
  return html`<form method="post" action="/console/logout">${csrfField(session)}
    <button class="secondary" type="submit">Cancel and sign out</button></form>`;
}

const WRONG = 'That code is not valid. Each code works once: wait for the next one and try again.';

function challengePage(
  session: ConsoleSession,
  hasPasskeys: boolean,
  error?: { text: string; recovery: boolean },
): Html {
  return html`<div class="card narrow"><h1>Second factor</h1>
    ${error && !error.recovery ? html`<p class="error" role="alert">${error.text}</p>` : ''}
    <form method="post" action="/console/mfa">${csrfField(session)}
      <div class="field"><label for="code">6-digit code from your authenticator app</label>
        <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required autofocus></div>
      <button type="submit">Verify</button>
    </form>
    ${hasPasskeys ? html`<h2>Or use a passkey</h2><button type="button" class="secondary" id="passkey-sign-in" data-csrf="${session.csrfToken}" aria-controls="passkey-status" hidden>Use a passkey</button><p id="passkey-status" role="status"></p>` : ''}
    <details${error?.recovery ? html` open` : ''}><summary>Lost your device? Use a recovery code</summary>
      ${error?.recovery ? html`<p class="error" role="alert">${error.text}</p>` : ''}
      <form method="post" action="/console/mfa">${csrfField(session)}
        <div class="field"><label for="recovery_code">Recovery code</label>
          <input id="recovery_code" name="recovery_code" type="text" autocomplete="off" required></div>
        <button type="submit" class="secondary">Use recovery code</button>
      </form></details>${cancelForm(session)}</div>`;
}

async function enrolPage(session: ConsoleSession, secret: string, error?: string): Promise<Html> {
  const svg = await QRCode.toString(totpUri(session.user.email, secret), { type: 'svg', margin: 1 });
  const grouped = secret.match(/.{1,4}/g)?.join(' ') ?? secret;
  return html`<div class="card narrow"><h1>Set up your second factor</h1>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    <p>The console requires a second factor. Scan this code with an authenticator app (for example
    FreeOTP, Aegis, Google Authenticator or 1Password), then enter the 6-digit code it shows.</p>
    <figure class="qr" aria-label="QR code for your authenticator app">${trusted(svg)}</figure>
    <p>Cannot scan? Enter this key by hand: <code class="mono" id="totp-secret">${grouped}</code></p>
    <form method="post" action="/console/mfa/enrol">${csrfField(session)}
      <div class="field"><label for="code">6-digit code</label>
        <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus></div>
      <button type="submit">Confirm</button>
    </form>${cancelForm(session)}</div>`;
}

export function mfaRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  const rp = relyingPartyOf(deps.config.consoleUrl);

  scope.get('/mfa', access('partial'), async (request, reply) => {
    const session = sessionOf(request);
    if (session.mfaVerified) return redirect(reply, '/console');
    if (!(await hasConfirmedTotp(deps.db, session.user.id))) return redirect(reply, '/console/mfa/enrol');
    const hasPasskeys = (await listPasskeys(deps.db, session.user.id)).length > 0;
    return sendHtml(reply, renderPage({ title: 'Second factor', body: challengePage(session, hasPasskeys) }));
  });

  scope.post('/mfa', access('partial'), async (request, reply) => {
    const session = sessionOf(request);
    const now = deps.now();
    if (session.mfaVerified) return redirect(reply, '/console');
    await refuseIfThrottled(deps.db, session.user.id, now);
    const recovery = field(request, 'recovery_code', 40);
    const ok = recovery
      ? await spendRecoveryCode(deps.db, session.user.id, recovery, now)
      : (await verifyTotp(deps.db, deps.box, session.user.id, field(request, 'code', 20), now)) === 'ok';
    if (!ok) {
      await countWrongCode(deps.db, request, session, now);
      const hasPasskeys = (await listPasskeys(deps.db, session.user.id)).length > 0;
      const error = recovery
        ? { text: 'That recovery code is not valid or was already used.', recovery: true }
        : { text: WRONG, recovery: false };
      return sendHtml(
        reply,
        renderPage({ title: 'Second factor', body: challengePage(session, hasPasskeys, error) }),
        400,
      );
    }
    const cookie = await completeSignIn(deps.db, request, session, recovery ? 'recovery_code' : 'totp', now);
    setCookie(request, reply, 'session', cookie);
    return redirect(reply, '/console');
  });

  scope.get('/mfa/enrol', access('partial'), async (request, reply) => {
    const session = sessionOf(request);
    if (session.mfaVerified) return redirect(reply, '/console/security');
    const secret = await pendingTotpSecret(deps.db, deps.box, session.user.id, deps.now());
    if (!secret) return redirect(reply, '/console/mfa');
    return sendHtml(
      reply,
      renderPage({ title: 'Set up your second factor', body: await enrolPage(session, secret) }),
    );
  });

  scope.post('/mfa/enrol', access('partial'), async (request, reply) => {
    const session = sessionOf(request);
    const now = deps.now();
    if (session.mfaVerified || (await hasConfirmedTotp(deps.db, session.user.id)))
      return redirect(reply, '/console/mfa');
    await refuseIfThrottled(deps.db, session.user.id, now);
    const outcome = await verifyTotp(deps.db, deps.box, session.user.id, field(request, 'code', 20), now);
    if (outcome !== 'ok') {
      await countWrongCode(deps.db, request, session, now);
      const secret = await pendingTotpSecret(deps.db, deps.box, session.user.id, now);
      if (!secret) return redirect(reply, '/console/mfa');
      return sendHtml(
        reply,
        renderPage({ title: 'Set up your second factor', body: await enrolPage(session, secret, WRONG) }),
        400,
      );
    }
    const codes = await deps.db.transaction((tx) => replaceRecoveryCodes(tx, session.user.id, now));
    const cookie = await completeSignIn(deps.db, request, session, 'totp', now, [
      { action: 'console.totp_enrolled' },
      { action: 'console.recovery_codes_generated' },
    ]);
    setCookie(request, reply, 'session', cookie);
    // Post/Redirect/Get: the codes wait, sealed, on the new session and are shown once by the GET below.
    await setFlash(deps.db, deps.box, { idSha256: sha256Hex(cookie) }, { kind: 'recovery_codes', codes });
    return redirect(reply, '/console/mfa/recovery-codes');
  });

  scope.get('/mfa/recovery-codes', access('member'), async (request, reply) => {
    const flash = await takeFlash(deps.db, deps.box, sessionOf(request));
    if (flash?.kind !== 'recovery_codes') return redirect(reply, '/console');
    const body = html`<div class="card narrow"><h1>Your second factor is set up</h1>
      ${recoveryCodesBlock(flash.codes)}<p><a class="button" href="/console">Continue to the console</a></p></div>`;
    return sendHtml(reply, renderPage({ title: 'Recovery codes', body }));
  });

  scope.post('/mfa/passkey/options', access('partial'), async (request) => {
    const session = sessionOf(request);
    const options = await authenticationOptions(deps.db, rp, session.user.id);
    await setWebauthnChallenge(deps.db, session.idSha256, options.challenge);
    return options;
  });

  scope.post('/mfa/passkey', access('partial'), async (request, reply) => {
    const session = sessionOf(request);
    const now = deps.now();
    await refuseIfThrottled(deps.db, session.user.id, now);
    const challenge = session.webauthnChallenge;
    await setWebauthnChallenge(deps.db, session.idSha256, null);
    const response = jsonOf(request).response as AuthenticationResponseJSON | undefined;
    const ok =
      challenge && response
        ? await verifyPasskey(deps.db, rp, session.user.id, challenge, response, now)
        : false;
    if (!ok) {
      await countWrongCode(deps.db, request, session, now);
      throw new PageError(
        400,
        'Passkey not accepted',
        'The passkey could not be verified. Try again or use a code.',
      );
    }
    setCookie(request, reply, 'session', await completeSignIn(deps.db, request, session, 'passkey', now));
    return { next: '/console' };
  });
}
