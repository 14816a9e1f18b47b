// The markup of the allowlist page: the open-to-everyone warning, the entries with one "Remove" each, the
// add form (keeping what was typed after an error), and the confirmation before live is opened up.
import type { AllowlistEntry } from '../../allowlist/store.ts';
import type { Environment } from '../../db/database.ts';
import type { ConsoleSession } from '../auth/sessions.ts';
import { type Html, html } from '../html.ts';
import { environmentTabs } from './environment.ts';
import { csrfField } from './layout.ts';

export interface AddForm {
  cidr: string;
  note: string;
  allowAny: boolean;
  error?: string;
}

const OPEN_WARNING = html`<p class="warning" role="note"><strong>Live accepts requests from any IP address.</strong> Add the addresses of your servers so a stolen key cannot be used from elsewhere.</p>`;

function entryRow(session: ConsoleSession, entry: AllowlistEntry, environment: Environment): Html {
  const applies = entry.environment === null ? 'both environments' : entry.environment;
  return html`<tr><td data-label="CIDR"><code>${entry.cidr}</code></td><td data-label="Note">${entry.note || '—'}</td><td data-label="Applies to">${applies}</td><td data-label="Actions">
    <form class="inline" method="post" action="/console/allowlist/remove">${csrfField(session)}
      <input type="hidden" name="cidr" value="${entry.cidr}"><input type="hidden" name="scope" value="${entry.environment ?? 'both'}">
      <input type="hidden" name="environment" value="${environment}">
      <button class="danger" type="submit" aria-label="Remove ${entry.cidr} (${applies})">Remove</button></form></td></tr>`;
}

function addForm(session: ConsoleSession, environment: Environment, form?: AddForm): Html {
  const invalid = form?.error ? html` aria-invalid="true" aria-describedby="cidr-error"` : '';
  return html`<section class="card"><h2>Add an entry to ${environment}</h2>
    ${form?.error ? html`<p class="error" role="alert" id="cidr-error">${form.error}</p>` : ''}
    <form method="post" action="/console/allowlist">${csrfField(session)}<input type="hidden" name="environment" value="${environment}">
      <div class="row"><div class="field"><label for="cidr">Address or range <span class="hint">(IPv4 or IPv6 CIDR, e.g. 203.0.113.0/24)</span></label>
        <input id="cidr" name="cidr" type="text" required maxlength="60" autocomplete="off" value="${form?.cidr ?? ''}"${invalid}></div>
      <div class="field"><label for="note">Note <span class="hint">(optional)</span></label>
        <input id="note" name="note" type="text" maxlength="200" value="${form?.note ?? ''}"></div>
      <div class="field"><button type="submit">Add entry</button></div></div>
      <div class="field"><label class="check"><input type="checkbox" name="allow_any" value="yes"${form?.allowAny ? html` checked` : ''}>
        Allow every address (0.0.0.0/0 or ::/0) <span class="hint">— the same as having no list: only for testing</span></label></div>
    </form></section>`;
}

export function allowlistBody(
  session: ConsoleSession,
  environment: Environment,
  all: readonly AllowlistEntry[],
  extra: { notice?: string | undefined; form?: AddForm | undefined; liveOpen: boolean },
): Html {
  const entries = all.filter((e) => e.environment === null || e.environment === environment);
  return html`<h1>IP allowlist</h1>${environmentTabs('/console/allowlist', environment)}
    ${extra.notice ? html`<p class="notice" role="status">${extra.notice}</p>` : ''}
    ${environment === 'live' && extra.liveOpen ? OPEN_WARNING : ''}
    ${entries.length === 0 && environment === 'test' ? html`<p class="notice">No entries: test accepts requests from any IP address.</p>` : ''}
    <div class="table-wrap" role="region" aria-label="Allowlist entries" tabindex="0"><table class="stack"><caption class="hint">With entries, only requests from these ranges are accepted (others get 403 auth.ip.forbidden).</caption>
      <thead><tr><th scope="col">CIDR</th><th scope="col">Note</th><th scope="col">Applies to</th><th scope="col">Actions</th></tr></thead>
      <tbody>${entries.length > 0 ? entries.map((e) => entryRow(session, e, environment)) : html`<tr><td colspan="4">No entries.</td></tr>`}</tbody>
    </table></div>
    ${addForm(session, environment, extra.form)}`;
}

export function confirmRemovalBody(
  session: ConsoleSession,
  target: { cidr: string; scope: string; back: Environment },
): Html {
  return html`<div class="card narrow"><h1>Open live to every address?</h1>
    ${OPEN_WARNING}
    <p>${target.cidr} is the last entry that limits live. Without it, live accepts requests from any IP address:
    a stolen live key would work from anywhere.</p>
    <form method="post" action="/console/allowlist/remove">${csrfField(session)}
      <input type="hidden" name="cidr" value="${target.cidr}"><input type="hidden" name="scope" value="${target.scope}">
      <input type="hidden" name="environment" value="${target.back}"><input type="hidden" name="confirm" value="yes">
      <button class="danger" type="submit">Remove it and accept any address</button>
      <a class="button secondary" href="/console/allowlist?env=${target.back}">Keep it</a></form></div>`;
}
