// IP allowlist per environment: entries canonicalised and de-duplicated by the one CIDR parser (host bits
// refused with the network named, /0 only when asked for explicitly), removal of exactly one entry, and a
// confirmation before live is left open to every address (no entry, or 0.0.0.0/0 or ::/0). Changes to
// live need a recent second factor; every change is a POST answered by a redirect.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type AllowlistEntry,
  listAllowlist,
  normaliseEntries,
  replaceAllowlist,
} from '../../allowlist/store.ts';
import type { Environment } from '../../db/database.ts';
import { InvalidCidrError, isAnyAddress, parseCidr } from '../../net/cidr.ts';
import type { ConsoleSession } from '../auth/sessions.ts';
import { stepUpPassed } from '../auth/step-up.ts';
import { access, actorOf, type ConsoleDeps, field, redirect, sendHtml, sessionOf } from '../context.ts';
import { setFlash, takeFlash } from '../flash.ts';
import { badForm } from '../page-error.ts';
import { type AddForm, allowlistBody, confirmRemovalBody } from './allowlist-parts.ts';
import { environmentOf, submittedEnvironment } from './environment.ts';
import { renderPage } from './layout.ts';

const MAX_NOTE = 200;

type ListScope = Environment | null;

async function entriesOf(deps: ConsoleDeps, partnerId: string) {
  return listAllowlist(deps.db, partnerId);
}

/** Whether live accepts every address with these entries: none apply to it, or one is /0. */
export function liveIsOpen(entries: readonly AllowlistEntry[]): boolean {
  const live = entries.filter((e) => e.environment === null || e.environment === 'live');
  return live.length === 0 || live.some((e) => isAnyAddress(e.cidr));
}

async function page(
  deps: ConsoleDeps,
  session: ConsoleSession,
  environment: Environment,
  extra: { notice?: string | undefined; form?: AddForm } = {},
): Promise<string> {
  const all = await entriesOf(deps, session.user.partner_id);
  const body = allowlistBody(session, environment, all, { ...extra, liveOpen: liveIsOpen(all) });
  return renderPage({ title: 'IP allowlist', session, section: 'allowlist', body });
}

function scopeOf(value: string): ListScope {
  if (value === 'both') return null;
  return submittedEnvironment(value);
}

async function save(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  change: {
    scope: ListScope;
    entries: Array<{ cidr: string; note: string }>;
    notice: string;
    back: Environment;
  },
): Promise<FastifyReply> {
  const session = sessionOf(request);
  // Entries already stored were checked when added (a /0 among them included), so the list is re-saved as is.
  await replaceAllowlist(
    deps.db,
    actorOf(request, deps),
    session.user.partner_id,
    change.scope,
    change.entries,
    {
      allowAny: true,
    },
  );
  await setFlash(deps.db, deps.box, session, { kind: 'notice', text: change.notice });
  return redirect(reply, `/console/allowlist?env=${change.back}`);
}

export function allowlistRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/allowlist', access('allowlist'), async (request, reply) => {
    const session = sessionOf(request);
    const env = environmentOf((request.query as { env?: unknown }).env);
    const flash = await takeFlash(deps.db, deps.box, session);
    const notice = flash?.kind === 'notice' ? flash.text : undefined;
    return sendHtml(reply, await page(deps, session, env, { notice }));
  });

  scope.post('/allowlist', access('allowlist'), async (request, reply) => {
    const session = sessionOf(request);
    const environment = submittedEnvironment(field(request, 'environment'));
    const raw = field(request, 'cidr', 100).trim();
    const note = field(request, 'note', MAX_NOTE + 1).trim();
    const allowAny = field(request, 'allow_any') === 'yes';
    const form: AddForm = { cidr: raw, note: note.slice(0, MAX_NOTE), allowAny };
    let cidr: string;
    try {
      cidr = parseCidr(raw, { allowAny }).canonical;
    } catch (error) {
      if (!(error instanceof InvalidCidrError)) throw error;
      const message = `${error.message} Use a form like 203.0.113.0/24 or 2001:db8::/32.`;
      return sendHtml(
        reply,
        await page(deps, session, environment, { form: { ...form, error: message } }),
        400,
      );
    }
    if (note.length > MAX_NOTE) {
      const error = `The note is longer than ${MAX_NOTE} characters.`;
      return sendHtml(reply, await page(deps, session, environment, { form: { ...form, error } }), 400);
    }
    const current = (await entriesOf(deps, session.user.partner_id)).filter(
      (e) => e.environment === environment,
    );
    if (current.some((e) => parseCidr(e.cidr, { allowAny: true }).canonical === cidr)) {
      await setFlash(deps.db, deps.box, session, {
        kind: 'notice',
        text: `${cidr} is already on the list; nothing changed.`,
      });
      return redirect(reply, `/console/allowlist?env=${environment}`);
    }
    if (environment === 'live' && !(await stepUpPassed(deps, request, reply, 'change the live allowlist')))
      return reply;
    const entries = normaliseEntries([...current, { cidr, note }], { allowAny: true });
    const notice = isAnyAddress(cidr)
      ? `${cidr} added: ${environment} now accepts requests from every address of that family.`
      : `${cidr} added to ${environment}.`;
    return save(deps, request, reply, { scope: environment, entries, notice, back: environment });
  });

  scope.post('/allowlist/remove', access('allowlist'), async (request, reply) => {
    const session = sessionOf(request);
    const back = submittedEnvironment(field(request, 'environment'));
    const listScope = scopeOf(field(request, 'scope'));
    const target = canonicalOrUndefined(field(request, 'cidr', 100));
    if (!target) throw badForm('That entry is not on the list.');
    const all = await entriesOf(deps, session.user.partner_id);
    const current = all.filter((e) => e.environment === listScope);
    const index = current.findIndex((e) => canonicalOrUndefined(e.cidr) === target);
    if (index === -1) {
      await setFlash(deps.db, deps.box, session, {
        kind: 'notice',
        text: `${target} was not on the list; nothing changed.`,
      });
      return redirect(reply, `/console/allowlist?env=${back}`);
    }
    const kept = current.filter((_, i) => i !== index);
    const touchesLive = listScope !== 'test';
    const others = all.filter((e) => e.environment !== listScope);
    const opensLive = touchesLive && !liveIsOpen(all) && liveIsOpen([...others, ...kept]);
    if (opensLive && field(request, 'confirm') !== 'yes') {
      const body = confirmRemovalBody(session, { cidr: target, scope: field(request, 'scope'), back });
      return sendHtml(reply, renderPage({ title: 'Confirm removal', session, section: 'allowlist', body }));
    }
    if (touchesLive && !(await stepUpPassed(deps, request, reply, 'change the live allowlist'))) return reply;
    const notice = opensLive
      ? `${target} removed. Live now accepts requests from any IP address.`
      : `${target} removed.`;
    return save(deps, request, reply, {
      scope: listScope,
      entries: kept.map((e) => ({ cidr: e.cidr, note: e.note })),
      notice,
      back,
    });
  });
}

function canonicalOrUndefined(raw: string): string | undefined {
  try {
    return parseCidr(raw, { allowAny: true }).canonical;
  } catch {
    return undefined;
  }
}
