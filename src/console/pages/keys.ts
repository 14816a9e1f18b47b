// Keys: per environment (Test first), with prefix, name, scopes, created, last used and age; create (the
// full key shown once, through the one-time flash), revoke, regenerate (old secret dead at once) and roll
// with overlap (new key now, old one expiring at a chosen time within 7 days). Every change is a POST
// answered by a redirect (Post/Redirect/Get), so a reload repeats nothing. Live keys need a recent factor.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Environment } from '../../db/database.ts';
import { isScope } from '../../keys/scopes.ts';
import {
  createKey,
  type KeyRecord,
  listKeys,
  regenerateKey,
  revokeKeyOnce,
  rollKey,
} from '../../keys/store.ts';
import type { ConsoleSession } from '../auth/sessions.ts';
import { stepUpPassed } from '../auth/step-up.ts';
import {
  access,
  actorOf,
  type ConsoleDeps,
  field,
  formOf,
  redirect,
  sendHtml,
  sessionOf,
} from '../context.ts';
import { type Flash, setFlash, takeFlash } from '../flash.ts';
import { html } from '../html.ts';
import { badForm, notFound, PageError } from '../page-error.ts';
import { environmentOf, environmentTabs, submittedEnvironment } from './environment.ts';
import { flashBlock } from './flash-block.ts';
import { type KeyForm, keyForm, keyRow, ROTATE_AFTER_DAYS } from './key-parts.ts';
import { renderPage } from './layout.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

async function keysPage(
  deps: ConsoleDeps,
  session: ConsoleSession,
  environment: Environment,
  extra: { flash?: Flash | undefined; form?: KeyForm } = {},
): Promise<string> {
  const keys = await listKeys(deps.db, session.user.partner_id, environment);
  const now = deps.now();
  const stale = keys.filter(
    (k) => !k.revoked_at && now - new Date(k.created_at).getTime() > ROTATE_AFTER_DAYS * DAY_MS,
  );
  const body = html`<h1>API keys</h1>${environmentTabs('/console/keys', environment)}${flashBlock(extra.flash)}
    ${stale.length > 0 ? html`<p class="warning">${stale.length} active key(s) are older than ${ROTATE_AFTER_DAYS} days. Rotate keys at least every ${ROTATE_AFTER_DAYS} days: "Roll with overlap" gives your clients time to switch.</p>` : ''}
    <div class="table-wrap" role="region" aria-label="${environment === 'live' ? 'Live' : 'Test'} keys" tabindex="0"><table class="stack"><caption class="hint">${environment === 'live' ? 'Live' : 'Test'} keys</caption>
      <thead><tr><th scope="col">Prefix</th><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created</th>
      <th scope="col">Last used</th><th scope="col">Age</th><th scope="col">Actions</th></tr></thead>
      <tbody>${keys.length > 0 ? keys.map((k) => keyRow(session, k, now)) : html`<tr><td colspan="7">No keys yet.</td></tr>`}</tbody>
    </table></div>
    ${keyForm(session, environment, extra.form)}`;
  return renderPage({ title: 'API keys', session, section: 'keys', body });
}

/** Stores the flash and answers with the redirect to the keys page of that environment. */
async function flashAndRedirect(
  deps: ConsoleDeps,
  session: ConsoleSession,
  reply: FastifyReply,
  environment: Environment,
  flash: Flash,
): Promise<FastifyReply> {
  await setFlash(deps.db, deps.box, session, flash);
  return redirect(reply, `/console/keys?env=${environment}`);
}

function keyIdOf(request: FastifyRequest): string {
  const { id } = request.params as { id: string };
  if (!/^key_[0-9A-Za-z]{23}$/.test(id)) throw notFound();
  return id;
}

export function keyRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/keys', access('keys'), async (request, reply) => {
    const session = sessionOf(request);
    const env = environmentOf((request.query as { env?: unknown }).env, 'test');
    const flash = await takeFlash(deps.db, deps.box, session);
    return sendHtml(reply, await keysPage(deps, session, env, { flash }));
  });

  scope.post('/keys', access('keys'), async (request, reply) => {
    const session = sessionOf(request);
    const environment = submittedEnvironment(field(request, 'environment'));
    const name = field(request, 'name', 101).trim();
    const scopes = formOf(request).getAll('scopes');
    const error =
      name.length < 1 || name.length > 100
        ? 'Give the key a name of 1 to 100 characters.'
        : scopes.length === 0 || !scopes.every(isScope)
          ? 'Choose at least one scope from the list.'
          : undefined;
    if (error) {
      const form = { name: name.slice(0, 100), scopes: scopes.filter(isScope), error };
      return sendHtml(reply, await keysPage(deps, session, environment, { form }), 400);
    }
    if (environment === 'live' && !(await stepUpPassed(deps, request, reply, 'create a live key')))
      return reply;
    const issued = await createKey(
      deps.db,
      actorOf(request, deps),
      {
        partnerId: session.user.partner_id,
        environment,
        name,
        scopes: scopes.filter(isScope),
        expiresAt: null,
      },
      deps.argon2Cost,
    );
    const { prefix } = issued.record;
    return flashAndRedirect(deps, session, reply, environment, {
      kind: 'key_issued',
      verb: 'created',
      prefix,
      key: issued.key,
    });
  });

  scope.post('/keys/:id/revoke', access('keys'), async (request, reply) => {
    const session = sessionOf(request);
    const outcome = await revokeKeyOnce(
      deps.db,
      actorOf(request, deps),
      keyIdOf(request),
      session.user.partner_id,
    );
    if (outcome.kind === 'not_found') throw notFound();
    const { prefix, environment } = outcome.record;
    const text =
      outcome.kind === 'revoked'
        ? `Key ${prefix} is revoked. Calls with it are refused from now on.`
        : `Key ${prefix} was already revoked; nothing changed.`;
    return flashAndRedirect(deps, session, reply, environment, { kind: 'notice', text });
  });

  scope.post('/keys/:id/regenerate', access('keys'), async (request, reply) => {
    const session = sessionOf(request);
    const issued = await regenerateKey(
      deps.db,
      actorOf(request, deps),
      keyIdOf(request),
      session.user.partner_id,
      deps.argon2Cost,
    );
    if (issued === undefined) throw notFound();
    if (issued === 'revoked')
      throw new PageError(409, 'Key revoked', 'A revoked key cannot be regenerated; create a new key.');
    return flashAndRedirect(deps, session, reply, issued.record.environment, {
      kind: 'key_issued',
      verb: 'regenerated',
      prefix: issued.record.prefix,
      key: issued.key,
    });
  });

  scope.post('/keys/:id/roll', access('keys'), async (request, reply) => {
    const session = sessionOf(request);
    const hours = Number(field(request, 'overlap_hours', 4));
    if (!Number.isInteger(hours) || hours < 1 || hours > 168)
      throw badForm('Choose how long the old key keeps working: from 1 hour to 7 days.');
    const id = keyIdOf(request);
    const current = (await listKeys(deps.db, session.user.partner_id)).find((k) => k.id === id);
    if (!current) throw notFound();
    if (current.environment === 'live' && !(await stepUpPassed(deps, request, reply, 'roll a live key')))
      return reply;
    const now = deps.now();
    const outcome = await rollKey(
      deps.db,
      actorOf(request, deps),
      {
        keyId: id,
        partnerId: session.user.partner_id,
        oldExpiresAt: new Date(now + hours * HOUR_MS),
        now,
      },
      deps.argon2Cost,
    );
    if (outcome.kind === 'not_found') throw notFound();
    if (outcome.kind === 'revoked')
      throw new PageError(409, 'Key revoked', 'A revoked or expired key cannot be rolled; create a new key.');
    return flashAndRedirect(
      deps,
      session,
      reply,
      current.environment,
      rolledFlash(outcome.issued, outcome.previous),
    );
  });
}

function rolledFlash(issued: { record: KeyRecord; key: string }, previous: KeyRecord): Flash {
  return {
    kind: 'key_rolled',
    prefix: issued.record.prefix,
    key: issued.key,
    oldPrefix: previous.prefix,
    oldExpiresAt: new Date(previous.expires_at ?? 0).toISOString(),
  };
}
