// The pieces of the keys page: a key's row (its actions stacked into a card on a phone, so they are
// reachable without sideways scrolling) and the creation form, which keeps what was typed after an error.
import type { Environment } from '../../db/database.ts';
import { knownScopes, type Scope } from '../../keys/scopes.ts';
import type { KeyRecord } from '../../keys/store.ts';
import type { ConsoleSession } from '../auth/sessions.ts';
import { type Html, html } from '../html.ts';
import { csrfField, formatDate } from './layout.ts';

const DAY_MS = 86_400_000;
export const ROTATE_AFTER_DAYS = 90;
const OVERLAPS: ReadonlyArray<[hours: number, label: string]> = [
  [1, '1 hour'],
  [24, '24 hours'],
  [72, '3 days'],
  [168, '7 days'],
];

export interface KeyForm {
  name: string;
  scopes: readonly Scope[];
  error?: string;
}

function status(key: KeyRecord, now: number): Html {
  if (key.revoked_at) return html`<span class="badge revoked">revoked ${formatDate(key.revoked_at)}</span>`;
  if (key.expires_at && new Date(key.expires_at).getTime() <= now)
    return html`<span class="badge revoked">expired ${formatDate(key.expires_at)}</span>`;
  if (key.expires_at) return html`<span class="badge old">expires ${formatDate(key.expires_at)}</span>`;
  return html``;
}

function actions(session: ConsoleSession, key: KeyRecord): Html {
  return html`<div class="actions">
    <form class="inline" method="post" action="/console/keys/${key.id}/regenerate" data-confirm="Regenerate ${key.prefix}? The current secret stops working immediately.">
      ${csrfField(session)}<button class="secondary" type="submit" aria-label="Regenerate key ${key.prefix}">Regenerate</button></form>
    <form class="inline roll" method="post" action="/console/keys/${key.id}/roll">${csrfField(session)}
      <label class="hint" for="overlap-${key.id}">Old key keeps working for</label>
      <select id="overlap-${key.id}" name="overlap_hours">${OVERLAPS.map(
        ([hours, label]) =>
          html`<option value="${hours}"${hours === 24 ? html` selected` : ''}>${label}</option>`,
      )}</select>
      <button class="secondary" type="submit" aria-label="Roll with overlap: key ${key.prefix}">Roll with overlap</button></form>
    <form class="inline" method="post" action="/console/keys/${key.id}/revoke" data-confirm="Revoke ${key.prefix}? Calls with it will be refused at once.">
      ${csrfField(session)}<button class="danger" type="submit" aria-label="Revoke key ${key.prefix}">Revoke</button></form></div>`;
}

export function keyRow(session: ConsoleSession, key: KeyRecord, now: number): Html {
  const ageDays = Math.floor((now - new Date(key.created_at).getTime()) / DAY_MS);
  const usable = !key.revoked_at && !(key.expires_at && new Date(key.expires_at).getTime() <= now);
  const old = usable && ageDays > ROTATE_AFTER_DAYS;
  return html`<tr>
    <td data-label="Prefix"><code>${key.prefix}</code></td><td data-label="Name">${key.name}</td>
    <td data-label="Scopes">${key.scopes.join(', ')}</td><td data-label="Created">${formatDate(key.created_at)}</td>
    <td data-label="Last used">${formatDate(key.last_used_at)}</td>
    <td data-label="Age">${ageDays} days ${old ? html`<span class="badge old">rotate: older than ${ROTATE_AFTER_DAYS} days</span>` : ''} ${status(key, now)}</td>
    <td data-label="Actions">${usable ? actions(session, key) : ''}</td>
  </tr>`;
}

/** Read scopes start checked; write scopes are a deliberate choice. */
export function keyForm(session: ConsoleSession, environment: Environment, form?: KeyForm): Html {
  const checked = (scope: Scope) => (form ? form.scopes.includes(scope) : scope.endsWith(':read'));
  return html`<section class="card" aria-labelledby="create-key-title"><h2 id="create-key-title">Create a ${environment} key</h2>
    ${form?.error ? html`<p class="error" role="alert" id="key-form-error">${form.error}</p>` : ''}
    ${environment === 'live' ? html`<p class="hint">Live keys reach production data; creating one asks for your authenticator code if you have not given it in the last 10 minutes.</p>` : ''}
    <form method="post" action="/console/keys">${csrfField(session)}
      <input type="hidden" name="environment" value="${environment}">
      <div class="field"><label for="key-name">Name <span class="hint">(what uses this key)</span></label>
        <input id="key-name" name="name" type="text" maxlength="100" required value="${form?.name ?? ''}"${form?.error ? html` aria-invalid="true" aria-describedby="key-form-error"` : ''}></div>
      <fieldset><legend>Scopes <span class="hint">(read scopes are checked; add write scopes only if this client writes)</span></legend>${knownScopes().map(
        (scope) =>
          html`<label><input type="checkbox" name="scopes" value="${scope}"${checked(scope) ? html` checked` : ''}> ${scope}</label>`,
      )}</fieldset>
      <button type="submit">Create key</button>
    </form></section>`;
}
