// Audit log: filter by period, key, status and code; paginated; export (CSV or JSONL) with its manifest
// and the command that verifies it offline.
import type { FastifyInstance } from 'fastify';
import {
  type AuditFilter,
  type AuditRow,
  parseAuditFilter,
  queryAuditLog,
  userEmails,
} from '../audit-query.ts';
import { access, type ConsoleDeps, sendHtml, sessionOf } from '../context.ts';
import { type Html, html } from '../html.ts';
import { exportForm, exportRoutes } from './audit-export.ts';
import { formatDate, renderPage } from './layout.ts';

/** A person reads "ops-lead@bank-a.example", not "user usr_…"; keys by prefix, staff as staff. */
function who(row: AuditRow, emails: ReadonlyMap<string, string>): string {
  if (row.actor_type === 'user' && row.actor_id) return emails.get(row.actor_id) ?? 'a removed user';
  if (row.actor_type === 'key') return row.actor_id ? `key ${row.actor_id}` : 'API key';
  if (row.actor_type === 'admin') return 'Tessera staff';
  if (row.actor_type === 'anonymous') return 'not signed in';
  return row.actor_id ? `${row.actor_type} ${row.actor_id}` : row.actor_type;
}

function describe(row: AuditRow): string {
  if (row.method) return `${row.method} ${row.path ?? ''}`;
  const detail = row.detail ?? {};
  const named = ['prefix', 'email', 'role', 'to', 'factor', 'cidrs'].filter((k) => detail[k] !== undefined);
  return named
    .map((k) => `${k}: ${Array.isArray(detail[k]) ? (detail[k] as unknown[]).join(' ') : String(detail[k])}`)
    .join(', ');
}

function dateValue(value: Date | undefined, offsetDays = 0): string {
  return value ? new Date(value.getTime() - offsetDays * 86_400_000).toISOString().slice(0, 10) : '';
}

function filterForm(filter: AuditFilter): Html {
  return html`<form class="card" method="get" action="/console/audit"><div class="row">
    <div class="field"><label for="from">From (UTC day)</label><input id="from" name="from" type="date" value="${dateValue(filter.from)}"></div>
    <div class="field"><label for="to">To (UTC day, included)</label><input id="to" name="to" type="date" value="${dateValue(filter.to, 1)}"></div>
    <div class="field"><label for="key">Key prefix</label><input id="key" name="key" type="text" value="${filter.key ?? ''}" maxlength="40"></div>
    <div class="field"><label for="status">Status</label><input id="status" name="status" type="number" min="100" max="599" value="${filter.status ?? ''}"></div>
    <div class="field"><label for="code">Error code</label><input id="code" name="code" type="text" value="${filter.code ?? ''}" maxlength="60"></div>
    <div class="field"><button type="submit">Filter</button> <a class="button secondary" href="/console/audit">Clear</a></div>
  </div></form>`;
}

function nextLink(filter: AuditFilter, before: string): string {
  const params = new URLSearchParams();
  if (filter.from) params.set('from', dateValue(filter.from));
  if (filter.to) params.set('to', dateValue(filter.to, 1));
  if (filter.key) params.set('key', filter.key);
  if (filter.status) params.set('status', String(filter.status));
  if (filter.code) params.set('code', filter.code);
  params.set('before', before);
  return `/console/audit?${params.toString()}`;
}

export function auditRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/audit', access('audit'), async (request, reply) => {
    const session = sessionOf(request);
    const filter = parseAuditFilter(request.query as Record<string, unknown>);
    const { rows, nextBefore } = await queryAuditLog(deps.db, session.user.partner_id, filter);
    const userIds = rows.flatMap((row) => (row.actor_type === 'user' && row.actor_id ? [row.actor_id] : []));
    const emails = await userEmails(deps.db, session.user.partner_id, userIds);
    const body = html`<h1>Audit log</h1>
      <p class="hint">Every API request and every change to keys, allowlists and users, hash-chained so that any alteration is detectable.</p>
      ${filterForm(filter)}
      <div class="table-wrap" role="region" aria-label="Audit events" tabindex="0"><table class="audit stack"><caption class="hint">Newest first, times in UTC</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Env</th><th scope="col">Actor</th><th scope="col">Action</th>
        <th scope="col">What</th><th scope="col">Status</th><th scope="col">Code</th><th scope="col">IP</th></tr></thead>
        <tbody>${
          rows.length > 0
            ? rows.map(
                (
                  row,
                ) => html`<tr><td data-label="Time" class="time">${formatDate(row.recorded_at)}</td><td data-label="Env">${row.environment ?? '—'}</td>
          <td data-label="Actor" class="wrap">${who(row, emails)}</td><td data-label="Action" class="wrap">${row.action}</td><td data-label="What" class="mono wrap">${describe(row)}</td><td data-label="Status">${row.status ?? ''}</td>
          <td data-label="Code" class="wrap">${row.error_code ?? ''}</td><td data-label="IP" class="mono wrap">${row.client_ip ?? ''}</td></tr>`,
              )
            : html`<tr><td colspan="8">No events match.</td></tr>`
        }</tbody>
      </table></div>
      <div class="pager">${filter.before ? html`<a href="/console/audit">Newest events</a>` : html`<span></span>`}
        ${nextBefore ? html`<a href="${nextLink(filter, nextBefore)}">Older events</a>` : ''}</div>
      ${exportForm()}`;
    return sendHtml(reply, renderPage({ title: 'Audit log', session, section: 'audit', body }));
  });
  exportRoutes(scope, deps);
}
