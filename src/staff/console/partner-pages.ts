// Partners: search, create, suspend; one partner's keys, allowlist, users (with MFA reset) and usage.
// Reactivation and MFA reset become four-eyes requests, exactly as through the admin API.
import type { FastifyInstance } from 'fastify';
import { requesterOf } from '../../admin/four-eyes.ts';
import { adminActor } from '../../admin/routes.ts';
import { listAllowlist } from '../../allowlist/store.ts';
import { html } from '../../console/html.ts';
import { PageError } from '../../console/page-error.ts';
import { listUsers } from '../../console/users.ts';
import type { AppDeps } from '../../deps.ts';
import { listKeys } from '../../keys/store.ts';
import { createPartner, findPartner, listPartners, type Partner } from '../../partners/store.ts';
import { requestApproval } from '../approvals.ts';
import { suspendPartner } from '../partner-status.ts';
import { formField, seeOther, sendPage, staffAccess, staffSessionOf } from './context.ts';
import { actionButton, csrf, staffPage, when } from './layout.ts';

const PARTNER_ID = /^ptn_[0-9A-Za-z]{23}$/;
const USER_ID = /^usr_[0-9A-Za-z]{23}$/;

export function partnerPages(scope: FastifyInstance, deps: AppDeps): void {
  scope.get('/', staffAccess('read'), async (request, reply) => {
    const session = staffSessionOf(request);
    const q = String((request.query as Record<string, unknown>).q ?? '')
      .slice(0, 100)
      .toLowerCase();
    const partners = (await listPartners(deps.db)).filter(
      (p) => q === '' || p.name.toLowerCase().includes(q) || p.id.toLowerCase() === q,
    );
    const body = html`<h1>Partners</h1>
      <form method="get" action="/staff" role="search"><label>Search <input name="q" value="${q}"></label>
        <button type="submit">Search</button></form>
      <table><thead><tr><th>Name</th><th>Id</th><th>Status</th><th>Created</th></tr></thead><tbody>
      ${partners.map(
        (p) => html`<tr><td><a href="/staff/partners/${p.id}">${p.name}</a></td><td><code>${p.id}</code></td>
          <td>${p.suspended_at ? 'suspended' : 'active'}</td><td>${when(p.created_at)}</td></tr>`,
      )}</tbody></table>
      <h2>New partner</h2>
      <form method="post" action="/staff/partners">${csrf(session)}
        <label>Name <input name="name" required maxlength="200"></label><button type="submit">Create</button></form>`;
    return sendPage(reply, staffPage('Partners', session, body));
  });

  scope.post('/partners', staffAccess('operate'), async (request, reply) => {
    const name = formField(request, 'name', 200).trim();
    if (name === '' || name.includes('\u0000'))
      throw new PageError(400, 'Please check the form', 'A name is required.');
    const partner = await createPartner(deps.db, adminActor(request), { name });
    return seeOther(reply, `/staff/partners/${partner.id}`);
  });

  scope.get('/partners/:id', staffAccess('read'), async (request, reply) => {
    const session = staffSessionOf(request);
    const partner = await partnerOf(deps, (request.params as { id: string }).id);
    const [keys, allowlist, users, usage] = await Promise.all([
      listKeys(deps.db, partner.id),
      listAllowlist(deps.db, partner.id),
      listUsers(deps.db, partner.id),
      usageOf(deps, partner.id),
    ]);
    const base = `/staff/partners/${partner.id}`;
    const status = partner.suspended_at
      ? html`<p>Suspended since ${when(partner.suspended_at)}. ${actionButton(session, `${base}/reactivate`, 'Request reactivation')}</p>`
      : html`<form method="post" action="${base}/suspend">${csrf(session)}
          <label>Reason <input name="reason" maxlength="500"></label><button type="submit">Suspend</button></form>`;
    const body = html`<h1>${partner.name}</h1><p><code>${partner.id}</code> · rate limit
      ${partner.rate_limit_per_minute ?? 'default'} per minute</p>${status}
      <h2>Keys</h2><table><thead><tr><th>Prefix</th><th>Environment</th><th>Name</th><th>Last used</th><th>Revoked</th></tr></thead>
      <tbody>${keys.map(
        (k) => html`<tr><td><code>${k.prefix}</code></td><td>${k.environment}</td><td>${k.name}</td>
          <td>${when(k.last_used_at)}</td><td>${when(k.revoked_at)}</td></tr>`,
      )}</tbody></table>
      <h2>IP allowlist</h2>${
        allowlist.length === 0
          ? html`<p>No allowlist: every address may use the keys.</p>`
          : html`<ul>${allowlist.map((e) => html`<li><code>${e.cidr}</code> (${e.environment ?? 'both'}) ${e.note}</li>`)}</ul>`
      }
      <h2>Console users</h2><table><thead><tr><th>Email</th><th>Role</th><th></th></tr></thead><tbody>
      ${users.map(
        (u) => html`<tr><td>${u.email}</td><td>${u.role}</td>
          <td>${actionButton(session, `${base}/users/${u.id}/mfa-reset`, 'Request MFA reset')}</td></tr>`,
      )}</tbody></table>
      <h2>Usage, last 24 hours</h2><ul>${usage.map((row) => html`<li>${row.environment ?? '—'}: ${row.requests} requests, ${row.rejected} rejected</li>`)}</ul>`;
    return sendPage(reply, staffPage(partner.name, session, body));
  });

  scope.post('/partners/:id/suspend', staffAccess('operate'), async (request, reply) => {
    const partner = await partnerOf(deps, (request.params as { id: string }).id);
    const reason = formField(request, 'reason', 500).replaceAll('\u0000', '').trim() || 'not given';
    await suspendPartner(deps.db, adminActor(request), partner.id, reason);
    return seeOther(reply, `/staff/partners/${partner.id}`);
  });

  scope.post('/partners/:id/reactivate', staffAccess('operate'), async (request, reply) => {
    const partner = await partnerOf(deps, (request.params as { id: string }).id);
    if (!partner.suspended_at) throw new PageError(409, 'Not suspended', 'This partner is active.');
    await requestApproval(
      deps.db,
      adminActor(request),
      requesterOf(request),
      {
        action: 'partner.reactivate',
        partnerId: partner.id,
        params: {},
        summary: `reactivate partner ${partner.name}`,
      },
      deps.now(),
    );
    return seeOther(reply, '/staff/approvals');
  });

  scope.post('/partners/:id/users/:userId/mfa-reset', staffAccess('operate'), async (request, reply) => {
    const { id, userId } = request.params as { id: string; userId: string };
    const partner = await partnerOf(deps, id);
    const user = USER_ID.test(userId)
      ? (await listUsers(deps.db, partner.id)).find((u) => u.id === userId)
      : undefined;
    if (!user) throw new PageError(404, 'Not found', 'This partner has no such user.');
    await requestApproval(
      deps.db,
      adminActor(request),
      requesterOf(request),
      {
        action: 'user.mfa_reset',
        partnerId: partner.id,
        params: { user_id: user.id },
        summary: `reset the second factors of ${user.email}`,
      },
      deps.now(),
    );
    return seeOther(reply, '/staff/approvals');
  });
}

async function partnerOf(deps: AppDeps, id: string): Promise<Partner> {
  const partner = PARTNER_ID.test(id) ? await findPartner(deps.db, id) : undefined;
  if (!partner) throw new PageError(404, 'Not found', 'There is no such partner.');
  return partner;
}

async function usageOf(deps: AppDeps, partnerId: string) {
  return deps.db.query<{ environment: string | null; requests: number; rejected: number }>(
    `SELECT environment, count(*)::int AS requests, count(*) FILTER (WHERE status >= 400)::int AS rejected
       FROM audit_events WHERE partner_id = $1 AND action = 'api.request' AND occurred_at > $2
      GROUP BY environment ORDER BY environment`,
    [partnerId, new Date(deps.now() - 86_400_000)],
  );
}
