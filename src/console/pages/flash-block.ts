// What a page shows for the flash its POST left behind (see ../flash.ts): a confirmation, a new key shown
// once, or recovery codes shown once.
import type { Flash } from '../flash.ts';
import { type Html, html } from '../html.ts';
import { formatDate } from './layout.ts';
import { recoveryCodesBlock } from './recovery-codes-block.ts';

function keyBlock(title: string, key: string, extra?: Html): Html {
  return html`<section class="card" aria-labelledby="new-key-title"><h2 id="new-key-title">${title}</h2>
    <p class="warning" role="alert"><strong>Copy this key now: it will not be shown again.</strong>
    Store it in your secrets manager; anyone holding it can call the API as you.</p>${extra ?? ''}
    <div class="secret"><output id="new-key" aria-label="The new API key">${key}</output>
    <button type="button" data-copy="new-key" hidden>Copy key</button></div></section>`;
}

export function flashBlock(flash: Flash | undefined): Html {
  if (!flash) return html``;
  switch (flash.kind) {
    case 'notice':
      return html`<p class="notice" role="status">${flash.text}</p>`;
    case 'key_issued':
      return keyBlock(`Key ${flash.prefix} ${flash.verb}`, flash.key);
    case 'key_rolled':
      return keyBlock(
        `Key ${flash.prefix} issued to replace ${flash.oldPrefix}`,
        flash.key,
        html`<p>The old key ${flash.oldPrefix} keeps working until ${formatDate(flash.oldExpiresAt)}, then expires. Switch your clients to the new key before then.</p>`,
      );
    case 'recovery_codes':
      return html`<section class="card">${recoveryCodesBlock(flash.codes)}</section>`;
  }
}
