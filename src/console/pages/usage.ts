// Usage: requests per day, error rate and p95 latency, per environment and per key, over the last 30 days.
import type { FastifyInstance } from 'fastify';
import { latencyChart, requestsChart } from '../charts.ts';
import { access, type ConsoleDeps, sendHtml, sessionOf } from '../context.ts';
import { html } from '../html.ts';
import { type DailyUsage, usageOf } from '../usage-query.ts';
import { environmentOf, environmentTabs } from './environment.ts';
import { renderPage } from './layout.ts';

const DAYS = 30;
const DAY_MS = 86_400_000;

function lastDays(now: number, daily: readonly DailyUsage[]): DailyUsage[] {
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return Array.from({ length: DAYS }, (_, i) => {
    const day = new Date(today - (DAYS - 1 - i) * DAY_MS).toISOString().slice(0, 10);
    return byDay.get(day) ?? { day, requests: 0, errors: 0, p95: null };
  });
}

const percent = (errors: number, total: number) =>
  total === 0 ? '—' : `${((errors / total) * 100).toFixed(1)} %`;
const ms = (value: number | null) => (value === null ? '—' : `${Math.round(Number(value))} ms`);

export function usageRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  scope.get('/usage', access('usage'), async (request, reply) => {
    const session = sessionOf(request);
    const environment = environmentOf((request.query as { env?: unknown }).env);
    const now = deps.now();
    const since = new Date(Math.floor(now / DAY_MS) * DAY_MS - (DAYS - 1) * DAY_MS);
    const { daily, perKey } = await usageOf(deps.db, session.user.partner_id, environment, since);
    const days = lastDays(now, daily);
    const total = days.reduce((s, d) => s + d.requests, 0);
    const errors = days.reduce((s, d) => s + d.errors, 0);
    const body = html`<h1>Usage</h1>${environmentTabs('/console/usage', environment)}
      <p class="hint">Last ${DAYS} days (UTC), from the audit log. Errors are responses with status 400 or above.</p>
      <div class="card"><p><strong>${total}</strong> requests · error rate <strong>${percent(errors, total)}</strong></p>
        ${requestsChart(
          'requests',
          days.map((d) => ({ label: d.day.slice(5), total: d.requests, errors: d.errors })),
        )}
        ${latencyChart(
          'latency',
          days.map((d) => ({ label: d.day.slice(5), value: d.p95 === null ? null : Number(d.p95) })),
        )}
      </div>
      <h2>Per key</h2>
      <div class="table-wrap" role="region" aria-label="Usage per key" tabindex="0"><table><thead><tr><th scope="col">Key prefix</th><th scope="col">Requests</th>
        <th scope="col">Error rate</th><th scope="col">p95 latency</th></tr></thead>
        <tbody>${
          perKey.length > 0
            ? perKey.map(
                (k) => html`<tr><td><code>${k.prefix}</code></td><td>${k.requests}</td>
          <td>${percent(k.errors, k.requests)}</td><td>${ms(k.p95)}</td></tr>`,
              )
            : html`<tr><td colspan="4">No requests in this period.</td></tr>`
        }</tbody>
      </table></div>`;
    return sendHtml(reply, renderPage({ title: 'Usage', session, section: 'usage', body }));
  });
}
