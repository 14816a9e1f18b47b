// Audit search across every partner and the platform chain ("-"), and its export as JSON Lines. Filters
// are bounded and passed as parameters; each export is itself an audit event naming the person.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { adminActor } from '../../admin/routes.ts';
import { appendAuditEvents } from '../../audit/append.ts';
import { html } from '../../console/html.ts';
import type { AppDeps } from '../../deps.ts';
import { sendPage, staffAccess, staffSessionOf } from './context.ts';
import { staffPage, when } from './layout.ts';

interface AuditFilter {
  partner: string;
  action: string;
  actor: string;
}

interface Row {
  seq: string;
  chain_id: string;
  occurred_at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  status: number | null;
  path: string | null;
  detail: unknown;
}

const LIMIT = 200;

export function auditPages(scope: FastifyInstance, deps: AppDeps): void {
  scope.get('/audit', staffAccess('audit'), async (request, reply) => {
    const session = staffSessionOf(request);
    const filter = filterOf(request);
    const rows = await search(deps, filter);
    const query = new URLSearchParams({ ...filter }).toString();
    const body = html`<h1>Audit log</h1>
      <form method="get" action="/staff/audit" role="search">
        <label>Partner id, or - for the platform <input name="partner" value="${filter.partner}"></label>
        <label>Action <input name="action" value="${filter.action}"></label>
        <label>Actor <input name="actor" value="${filter.actor}"></label>
        <button type="submit">Search</button></form>
      <p><a href="/staff/audit/export?${query}">Export these events (JSON Lines)</a></p>
      <table><thead><tr><th>When</th><th>Chain</th><th>Actor</th><th>Action</th><th>Status</th><th>Detail</th></tr></thead><tbody>
      ${rows.map(
        (r) => html`<tr><td>${when(r.occurred_at)}</td><td><code>${r.chain_id}</code></td>
          <td>${r.actor_type}: ${r.actor_id ?? '—'}</td><td>${r.action}</td><td>${r.status ?? ''}</td>
          <td><code>${r.detail === null ? '' : JSON.stringify(r.detail)}</code></td></tr>`,
      )}</tbody></table>`;
    return sendPage(reply, staffPage('Audit log', session, body));
  });

  scope.get('/audit/export', staffAccess('audit'), async (request, reply) => {
    const filter = filterOf(request);
    const rows = await search(deps, filter);
    await deps.db.transaction((tx) =>
      appendAuditEvents(tx, [
        adminActor(request).event('staff.audit_exported', {
          partnerId: null,
          environment: null,
          detail: {
            partner: filter.partner,
            action: filter.action,
            actor: filter.actor,
            events: rows.length,
          },
        }),
      ]),
    );
    return reply
      .type('application/x-ndjson; charset=utf-8')
      .header('content-disposition', 'attachment; filename="staff-audit.jsonl"')
      .header('cache-control', 'no-store')
      .send(rows.map((row) => JSON.stringify(row)).join('\n'));
  });
}

function filterOf(request: FastifyRequest): AuditFilter {
  const query = request.query as Record<string, unknown>;
  const text = (name: string) =>
    typeof query[name] === 'string' ? String(query[name]).trim().slice(0, 100) : '';
  return { partner: text('partner'), action: text('action'), actor: text('actor') };
}

async function search(deps: AppDeps, filter: AuditFilter): Promise<Row[]> {
  return deps.db.query<Row>(
    `SELECT seq::text AS seq, chain_id, occurred_at, actor_type, actor_id, action, status, path, detail
       FROM audit_events
      WHERE ($1 = '' OR ($1 = '-' AND partner_id IS NULL) OR partner_id = $1)
        AND ($2 = '' OR action = $2)
        AND ($3 = '' OR actor_id = $3)
      ORDER BY seq DESC LIMIT ${LIMIT}`,
    [filter.partner, filter.action, filter.actor],
  );
}
