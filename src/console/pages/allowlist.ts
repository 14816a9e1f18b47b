// IP allowlist per environment: CIDRs (IPv4 and IPv6) validated before anything is stored, a note per
// entry, and a warning when live accepts any address. Changes go through replaceAllowlist, which audits
// them and tells every node at once.
import type { FastifyInstance } from 'fastify';
import { type AllowlistEntry, listAllowlist, replaceAllowlist } from '../../allowlist/store.ts';
import type { Environment } from '../../db/database.ts';
import { parseCidr } from '../../net/cidr.ts';
import type { ConsoleSession } from '../auth/sessions.ts';
import { access, actorOf, type ConsoleDeps, field, sendHtml, sessionOf } from '../context.ts';
import { type Html, html } from '../html.ts';
import { badForm } from '../page-error.ts';
import { environmentOf, environmentTabs } from './environment.ts';
import { csrfField, renderPage } from './layout.ts';

const MAX_NOTE = 200;

function entryRow(session: ConsoleSession, entry: AllowlistEntry, environment: Environment): Html {
  const applies = entry.environment === null ? 'both environments' : entry.environment;
  return html`<tr><td><code>${entry.cidr}</code></td><td>${entry.note || '—'}</td><td>${applies}</td><td>
    <form class="inline" method="post" action="/console/allowlist/remove" data-confirm="Remove ${entry.cidr}?">${csrfField(session)}
      <input type="hidden" name="cidr" value="${entry.cidr}"><input type="hidden" name="scope" value="${entry.environment ?? 'both'}">
      <input type="hidden" name="environment" value="${environment}">
      <button class="danger" type="submit" aria-label="Remove ${entry.cidr}">Remove</button></form></td></tr>`;
}

async function allowlistPage(
  deps: ConsoleDeps,
  session: ConsoleSession,
  environment: Environment,
  error?: string,
) {
  const all = await listAllowlist(deps.db, session.user.partner_id);
  const entries = all.filter((e) => e.environment === null || e.environment === environment);
  const body = html`<h1>IP allowlist</h1>${environmentTabs('/console/allowlist', environment)}
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    ${entries.length === 0 && environment === 'live' ? html`<p class="warning" role="note"><strong>Live accepts requests from any IP address.</strong> Add the addresses of your servers so a stolen key cannot be used from elsewhere.</p>` : ''}
    ${entries.length === 0 && environment === 'test' ? html`<p class="notice">No entries: test accepts requests from any IP address.</p>` : ''}
    <div class="table-wrap"><table><caption class="hint">With entries, only requests from these ranges are accepted (others get 403 auth.ip.forbidden).</caption>
      <thead><tr><th scope="col">CIDR</th><th scope="col">Note</th><th scope="col">Applies to</th><th scope="col">Actions</th></tr></thead>
      <tbody>${entries.length > 0 ? entries.map((e) => entryRow(session, e, environment)) : html`<tr><td colspan="4">No entries.</td></tr>`}</tbody>
    </table></div>
    <section class="card"><h2>Add an entry to ${environment}</h2>
      <form method="post" action="/console/allowlist">${csrfField(session)}<input type="hidden" name="environment" value="${environment}">
        <div class="row"><div class="field"><label for="cidr">Address or range <span class="hint">(IPv4 or IPv6 CIDR, e.g. 203.0.113.0/24)</span></label>
          <input id="cidr" name="cidr" type="text" required maxlength="60" autocomplete="off"></div>
        <div class="field"><label for="note">Note <span class="hint">(optional)</span></label>
          <input id="note" name="note" type="text" maxlength="${MAX_NOTE}"></div>
        <div class="field"><button type="submit">Add entry</button></div></div>
      </form></section>`;
  return renderPage({ title: 'IP allowlist', session, section: 'allowlist', body });
}

function canonicalCidr(raw: string): string | undefined {
  try {
    const { address, prefix } = parseCidr(raw);
    return `${address}/${prefix}`;
  } catch {
    return undefined;
  }
}

export function allowlistRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/allowlist', access('allowlist'), async (request, reply) => {
    const env = environmentOf((request.query as { env?: unknown }).env);
    return sendHtml(reply, await allowlistPage(deps, sessionOf(request), env));
  });

  scope.post('/allowlist', access('allowlist'), async (request, reply) => {
    const session = sessionOf(request);
    const environment = environmentOf(field(request, 'environment'));
    const raw = field(request, 'cidr', 100).trim();
    const note = field(request, 'note', MAX_NOTE + 1).trim();
    const cidr = canonicalCidr(raw);
    if (!cidr || note.length > MAX_NOTE) {
      const error = cidr
        ? `The note is longer than ${MAX_NOTE} characters.`
        : `"${raw}" is not an IP address or CIDR range. Use a form like 203.0.113.0/24 or 2001:db8::/32.`;
      return sendHtml(reply, await allowlistPage(deps, session, environment, error), 400);
    }
    const current = (await listAllowlist(deps.db, session.user.partner_id)).filter(
      (e) => e.environment === environment,
    );
    await replaceAllowlist(deps.db, actorOf(request, deps), session.user.partner_id, environment, [
      ...current.map((e) => ({ cidr: e.cidr, note: e.note })),
      { cidr, note },
    ]);
    return sendHtml(reply, await allowlistPage(deps, session, environment));
  });

  scope.post('/allowlist/remove', access('allowlist'), async (request, reply) => {
    const session = sessionOf(request);
    const environment = environmentOf(field(request, 'environment'));
    const target = field(request, 'scope');
    const listScope: Environment | null = target === 'both' ? null : environmentOf(target);
    if (target !== 'both' && target !== 'live' && target !== 'test') throw badForm('Unknown environment.');
    const cidr = field(request, 'cidr', 100);
    const current = (await listAllowlist(deps.db, session.user.partner_id)).filter(
      (e) => e.environment === listScope,
    );
    const kept = current.filter((e) => e.cidr !== cidr);
    if (kept.length !== current.length) {
      await replaceAllowlist(deps.db, actorOf(request, deps), session.user.partner_id, listScope, kept);
    }
    return sendHtml(reply, await allowlistPage(deps, session, environment));
  });
}
