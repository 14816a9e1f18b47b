// Audit export from the console, through the audit module's streamed export and manifest (the same bytes
// the API and the CLI produce). The period is pinned to fixed instants when the export is prepared, so the
// file and the manifest downloaded afterwards describe exactly the same events. Downloading the export is
// recorded (audit.exported), so it is a POST carrying the CSRF token: a page elsewhere embedding a URL
// cannot make it happen in someone's name. The response still streams. The manifest is built as the API's
// is: once the period is over it is closed (a checkpoint event, a fresh signed tree head if the tree lags),
// so it proves the file complete (docs/audit-ledger.md §7.1). The verifier trusts only keys the auditor
// gives it, so the page points at the published keys document and passes it with --keys.
import type { FastifyInstance } from 'fastify';
import { appendAuditEvents } from '../../audit/append.ts';
import { type ExportRequest, exportStream } from '../../audit/export.ts';
import type { ExportFormat } from '../../audit/export-format.ts';
import { buildManifest } from '../../audit/manifest.ts';
import { signerFor } from '../../audit/signer.ts';
import type { Queryable } from '../../db/database.ts';
import { access, actorOf, type ConsoleDeps, formOf, sendHtml, sessionOf } from '../context.ts';
import { type Html, html } from '../html.ts';
import { badForm } from '../page-error.ts';
import { csrfField, renderPage } from './layout.ts';

const DAY_MS = 86_400_000;
/** The sequencer places events within moments of their commit; stay clear of the newest. */
const SETTLE_MS = 2_000;
const KEYS_PATH = '/.well-known/tessera-audit-keys.json';
const KEYS_FILE = 'tessera-audit-keys.json';

export function exportForm(): Html {
  return html`<section class="card" aria-labelledby="export-title"><h2 id="export-title">Export</h2>
    <form method="get" action="/console/audit/export"><div class="row">
      <div class="field"><label for="export-from">From (UTC day)</label><input id="export-from" name="from" type="date" required></div>
      <div class="field"><label for="export-to">To (UTC day, included)</label><input id="export-to" name="to" type="date" required></div>
      <div class="field"><label for="export-format">Format</label><select id="export-format" name="format">
        <option value="jsonl">JSONL</option><option value="csv">CSV</option></select></div>
      <div class="field"><button type="submit">Prepare export</button></div></div>
    </form>
    <p class="hint" id="csv-note">About CSV: a cell that starts with <code>=</code>, <code>+</code>, <code>-</code>, <code>@</code>,
    a tab or a carriage return is written with a leading apostrophe, so a spreadsheet shows it as text instead of
    running it as a formula (a User-Agent or a path sent by anyone could otherwise carry one). The change is part of
    the specified CSV format and <code>tessera audit verify</code> undoes it exactly, so the hashes still verify.</p></section>`;
}

interface PinnedExport {
  from: Date;
  to: Date;
  format: ExportFormat;
}

function readDay(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function readInstant(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(value))
    return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function pinned(query: Record<string, unknown>): PinnedExport {
  const from = readInstant(query.from);
  const to = readInstant(query.to);
  const format = query.format === 'csv' ? 'csv' : 'jsonl';
  if (!from || !to || from >= to) throw badForm('The export period is not valid. Prepare the export again.');
  return { from, to, format };
}

function fileName(partnerId: string, spec: PinnedExport): string {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return `tessera-audit-${partnerId}-${day(spec.from)}-${day(new Date(spec.to.getTime() - 1))}.${spec.format}`;
}

export function exportRoutes(scope: FastifyInstance, deps: ConsoleDeps): void {
  const signer = signerFor(deps);
  const witnessDir = deps.config.auditWitnessDir;
  const specFor = (partnerId: string, spec: PinnedExport) => ({
    run: <T>(work: (tx: Queryable) => Promise<T>) => deps.db.scoped({ partnerId, environment: 'live' }, work),
    request: {
      partnerId,
      chainIds: [partnerId, `${partnerId}/live`, `${partnerId}/test`],
      from: spec.from,
      to: spec.to,
      format: spec.format,
    } satisfies ExportRequest,
  });

  scope.get('/audit/export', access('audit'), async (request, reply) => {
    const session = sessionOf(request);
    const query = request.query as Record<string, unknown>;
    const fromDay = readDay(query.from);
    const toDay = readDay(query.to);
    if (!fromDay || !toDay || toDay < fromDay)
      throw badForm('Choose a start day and an end day on or after it.');
    const to = new Date(
      Math.min(toDay.getTime() + DAY_MS, Math.floor((deps.now() - SETTLE_MS) / 1000) * 1000),
    );
    if (to <= fromDay) throw badForm('The period has not started yet.');
    const spec: PinnedExport = { from: fromDay, to, format: query.format === 'csv' ? 'csv' : 'jsonl' };
    const params = new URLSearchParams({
      from: spec.from.toISOString(),
      to: spec.to.toISOString(),
      format: spec.format,
    });
    const name = fileName(session.user.partner_id, spec);
    const keysUrl = `${deps.config.publicUrl}${KEYS_PATH}`;
    const body = html`<h1>Audit export ready</h1><div class="card">
      <p>Period: ${spec.from.toISOString()} to ${spec.to.toISOString()} (end excluded), format ${spec.format.toUpperCase()}.</p>
      <form method="post" action="/console/audit/export/file" class="inline">${csrfField(session)}
        <input type="hidden" name="from" value="${spec.from.toISOString()}"><input type="hidden" name="to" value="${spec.to.toISOString()}">
        <input type="hidden" name="format" value="${spec.format}">
        <button type="submit" id="download-export">Download the export</button></form>
      <a class="button secondary" id="download-manifest" href="/console/audit/export/manifest?${params.toString()}" download="${name}.manifest.json">Download its manifest</a>
      <p>Keep both files in the same folder, with the public keys Tessera publishes at
      <a id="audit-keys" href="${keysUrl}" download="${KEYS_FILE}">${keysUrl}</a> saved there as
      <code>${KEYS_FILE}</code>, then verify them offline with the Tessera CLI:</p>
      <pre class="mono" id="verify-command">tessera audit verify ${name} --keys ${KEYS_FILE}</pre>
      <p class="hint">It trusts only the keys you give it (the copy inside a manifest never is), checks the file's
      SHA-256 against the signed manifest and every event's hash chain, and proves against a signed tree head that
      the file holds every event of the period. Without <code>--keys</code> the verdict is “unverified”.</p>
      <p><a href="/console/audit">Back to the audit log</a></p></div>`;
    return sendHtml(reply, renderPage({ title: 'Audit export', session, section: 'audit', body }));
  });

  scope.post('/audit/export/file', access('audit'), async (request, reply) => {
    const session = sessionOf(request);
    const form = formOf(request);
    const spec = pinned({ from: form.get('from'), to: form.get('to'), format: form.get('format') });
    const { run, request: exportRequest } = specFor(session.user.partner_id, spec);
    await deps.db.transaction((tx) =>
      appendAuditEvents(tx, [
        actorOf(request, deps).event('audit.exported', {
          partnerId: session.user.partner_id,
          environment: null,
          detail: { from: spec.from.toISOString(), to: spec.to.toISOString(), format: spec.format },
        }),
      ]),
    );
    const type =
      spec.format === 'csv'
        ? 'text/csv; charset=utf-8; header=present'
        : 'application/x-ndjson; charset=utf-8';
    return reply
      .type(type)
      .header('content-disposition', `attachment; filename="${fileName(session.user.partner_id, spec)}"`)
      .send(exportStream(run, exportRequest));
  });

  scope.get('/audit/export/manifest', access('audit'), async (request, reply) => {
    const session = sessionOf(request);
    const spec = pinned(request.query as Record<string, unknown>);
    const { run, request: exportRequest } = specFor(session.user.partner_id, spec);
    const key = await signer();
    const sealing = key
      ? { db: deps.db, key, now: deps.now, ...(witnessDir ? { witnessDir } : {}) }
      : undefined;
    const manifest = await buildManifest(run, deps.db, exportRequest, key, deps.now, sealing);
    return reply
      .type('application/json; charset=utf-8')
      .header(
        'content-disposition',
        `attachment; filename="${fileName(session.user.partner_id, spec)}.manifest.json"`,
      )
      .send(JSON.stringify(manifest, null, 2));
  });
}
