// Recovery codes, shown exactly once (after enrolment or regeneration): one per line, with a copy button
// that copies them one per line and a plain-text download (a data: link, so no request carries them).
import { type Html, html } from '../html.ts';

export function recoveryCodesBlock(codes: readonly string[]): Html {
  const text = `Tessera console recovery codes (each works once)\n\n${codes.join('\n')}\n`;
  return html`<h2>Recovery codes</h2>
    <p class="warning" role="note"><strong>Save these codes now; they will not be shown again.</strong>
    Each one signs you in once if you lose your authenticator.</p>
    <ul class="codes" id="recovery-codes" aria-label="Recovery codes">${codes.map((code) => html`<li>${code}</li>`)}</ul>
    <p><button type="button" class="secondary" data-copy="recovery-codes" hidden>Copy codes</button>
    <a class="button secondary" download="tessera-recovery-codes.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(text)}">Download as .txt</a></p>`;
}
