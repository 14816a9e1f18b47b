// Keys: per environment, with prefix, name, scopes, created, last used and age; create (the full key shown
// once), revoke (effective on the next API call: the change feed drops every node's cached verification),
// regenerate. The same store functions as the admin API, with the user as the audited actor.
import type { FastifyInstance } from 'fastify';
import type { Environment } from '../../db/database.ts';
import { ALL_SCOPES, isScope } from '../../keys/scopes.ts';
import {
  createKey,
  type IssuedKey,
  type KeyRecord,
  listKeys,
  regenerateKey,
  revokeKey,
} from '../../keys/store.ts';
import type { ConsoleSession } from '../auth/sessions.ts';
import { access, actorOf, type ConsoleDeps, field, formOf, sendHtml, sessionOf } from '../context.ts';
import { type Html, html } from '../html.ts';
import { badForm, notFound, PageError } from '../page-error.ts';
import { environmentOf, environmentTabs } from './environment.ts';
import { csrfField, formatDate, renderPage } from './layout.ts';

const DAY_MS = 86_400_000;
const ROTATE_AFTER_DAYS = 90;

function keyRow(session: ConsoleSession, key: KeyRecord, now: number): Html {
  const ageDays = Math.floor((now - new Date(key.created_at).getTime()) / DAY_MS);
  const old = !key.revoked_at && ageDays > ROTATE_AFTER_DAYS;
  return html`<tr>
    <td><code>${key.prefix}</code></td><td>${key.name}</td>
    <td>${key.scopes.join(', ')}</td><td>${formatDate(key.created_at)}</td><td>${formatDate(key.last_used_at)}</td>
    <td>${ageDays} days ${old ? html`<span class="badge old">rotate: older than ${ROTATE_AFTER_DAYS} days</span>` : ''}</td>
    <td>${
      key.revoked_at
        ? html`<span class="badge revoked">revoked ${formatDate(key.revoked_at)}</span>`
        : html`
      <form class="inline" method="post" action="/console/keys/${key.id}/regenerate" data-confirm="Regenerate ${key.prefix}? The current secret stops working immediately.">
        ${csrfField(session)}<button class="secondary" type="submit" aria-label="Regenerate key ${key.prefix}">Regenerate</button></form>
      <form class="inline" method="post" action="/console/keys/${key.id}/revoke" data-confirm="Revoke ${key.prefix}? Calls with it will be refused at once.">
        ${csrfField(session)}<button class="danger" type="submit" aria-label="Revoke key ${key.prefix}">Revoke</button></form>`
    }</td>
  </tr>`;
}

function issuedBlock(issued: IssuedKey, verb: string): Html {
  return html`<section class="card" aria-labelledby="new-key-title"><h2 id="new-key-title">Key ${issued.record.prefix} ${verb}</h2>
    <p class="warning" role="alert"><strong>Copy this key now: it will not be shown again.</strong>
    Store it in your secrets manager; anyone holding it can call the API as you.</p>
    <div class="secret"><output id="new-key" aria-label="The new API key">${issued.key}</output>
    <button type="button" data-copy="new-key" hidden>Copy key</button></div></section>`;
}

async function keysPage(deps: ConsoleDeps, session: ConsoleSession, environment: Environment, flash?: Html) {
  const keys = await listKeys(deps.db, session.user.partner_id, environment);
  const now = deps.now();
  const stale = keys.filter(
    (k) => !k.revoked_at && now - new Date(k.created_at).getTime() > ROTATE_AFTER_DAYS * DAY_MS,
  );
  const body = html`<h1>API keys</h1>${environmentTabs('/console/keys', environment)}${flash ?? ''}
    ${stale.length > 0 ? html`<p class="warning">${stale.length} active key(s) are older than ${ROTATE_AFTER_DAYS} days. Rotate keys at least every ${ROTATE_AFTER_DAYS} days.</p>` : ''}
    <div class="table-wrap"><table><caption class="hint">${environment === 'live' ? 'Live' : 'Test'} keys</caption>
      <thead><tr><th scope="col">Prefix</th><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created</th>
      <th scope="col">Last used</th><th scope="col">Age</th><th scope="col">Actions</th></tr></thead>
      <tbody>${keys.length > 0 ? keys.map((k) => keyRow(session, k, now)) : html`<tr><td colspan="7">No keys yet.</td></tr>`}</tbody>
    </table></div>
    <section class="card"><h2>Create a ${environment} key</h2>
      <form method="post" action="/console/keys">${csrfField(session)}
        <input type="hidden" name="environment" value="${environment}">
        <div class="field"><label for="key-name">Name <span class="hint">(what uses this key)</span></label>
          <input id="key-name" name="name" type="text" maxlength="100" required></div>
        <fieldset><legend>Scopes</legend>${ALL_SCOPES.map(
          (scope) =>
            html`<label><input type="checkbox" name="scopes" value="${scope}" checked> ${scope}</label>`,
        )}</fieldset>
        <button type="submit">Create key</button>
      </form></section>`;
  return renderPage({ title: 'API keys', session, section: 'keys', body });
}

export function keyRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/keys', access('keys'), async (request, reply) => {
    const env = environmentOf((request.query as { env?: unknown }).env);
    return sendHtml(reply, await keysPage(deps, sessionOf(request), env));
  });

  scope.post('/keys', access('keys'), async (request, reply) => {
    const session = sessionOf(request);
    const environment = environmentOf(field(request, 'environment'));
    const name = field(request, 'name', 101).trim();
    const scopes = formOf(request).getAll('scopes');
    if (name.length < 1 || name.length > 100) throw badForm('Give the key a name of 1 to 100 characters.');
    if (scopes.length === 0 || !scopes.every(isScope))
      throw badForm('Choose at least one scope from the list.');
    const issued = await createKey(deps.db, actorOf(request, deps), {
      partnerId: session.user.partner_id,
      environment,
      name,
      scopes: scopes.filter(isScope),
      expiresAt: null,
    });
    return sendHtml(reply, await keysPage(deps, session, environment, issuedBlock(issued, 'created')), 201);
  });

  scope.post('/keys/:id/revoke', access('keys'), async (request, reply) => {
    const session = sessionOf(request);
    const { id } = request.params as { id: string };
    const record = await revokeKey(deps.db, actorOf(request, deps), id, session.user.partner_id);
    if (!record) throw notFound();
    const flash = html`<p class="notice" role="status">Key ${record.prefix} is revoked. Calls with it are refused from now on.</p>`;
    return sendHtml(reply, await keysPage(deps, session, record.environment, flash));
  });

  scope.post('/keys/:id/regenerate', access('keys'), async (request, reply) => {
    const session = sessionOf(request);
    const { id } = request.params as { id: string };
    const issued = await regenerateKey(deps.db, actorOf(request, deps), id, session.user.partner_id);
    if (issued === undefined) throw notFound();
    if (issued === 'revoked')
      throw new PageError(409, 'Key revoked', 'A revoked key cannot be regenerated; create a new key.');
    return sendHtml(
      reply,
      await keysPage(deps, session, issued.record.environment, issuedBlock(issued, 'regenerated')),
    );
  });
}
