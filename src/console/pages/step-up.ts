// "Confirm it's you": the step-up challenge. It re-posts the form that asked for it (its fields kept as
// hidden inputs, escaped like everything else) with the authenticator code added.
import type { ConsoleSession } from '../auth/sessions.ts';
import { type Html, html } from '../html.ts';
import { csrfField, renderPage } from './layout.ts';

export interface StepUpForm {
  action: string;
  fields: ReadonlyArray<[string, string]>;
  what: string;
  error?: string | undefined;
}

export function stepUpCard(session: ConsoleSession, form: StepUpForm): Html {
  return html`<div class="card narrow"><h1>Confirm it's you</h1>
    ${form.error ? html`<p class="error" role="alert">${form.error}</p>` : ''}
    <p>To ${form.what}, enter a code from your authenticator app. You will not be asked again for 10 minutes.</p>
    <form method="post" action="${form.action}">${csrfField(session)}
      ${form.fields.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
      <div class="field"><label for="step-up-code">6-digit code from your authenticator app</label>
        <input id="step-up-code" name="step_up_code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus></div>
      <button type="submit">Confirm</button> <a class="button secondary" href="/console">Cancel</a>
    </form></div>`;
}

export function stepUpPage(session: ConsoleSession, form: StepUpForm): string {
  return renderPage({ title: "Confirm it's you", session, body: stepUpCard(session, form) });
}
