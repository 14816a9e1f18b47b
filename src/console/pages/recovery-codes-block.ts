// Recovery codes, shown exactly once (after enrolment or regeneration).
import { type Html, html } from '../html.ts';

export function recoveryCodesBlock(codes: readonly string[]): Html {
  return html`<h2>Recovery codes</h2>
    <p class="warning" role="note"><strong>Save these codes now; they will not be shown again.</strong>
    Each one signs you in once if you lose your authenticator.</p>
    <ul class="codes" id="recovery-codes" aria-label="Recovery codes">${codes.map((code) => html`<li>${code}</li>`)}</ul>
    <button type="button" class="secondary" data-copy="recovery-codes" hidden>Copy codes</button>`;
}
