// Shared by the audit tests: an in-process CLI io that records what a user would see, and raw reads of
// the audit tables as the database owner.

import type { CliIo } from '../../cli/output.ts';
import type { ChainedAuditEvent } from '../../src/audit/event.ts';
import { loadSigningKey, type SigningKey } from '../../src/audit/signing-keys.ts';
import type { Database } from '../../src/db/database.ts';
import { ADMIN_TOKEN, testConfig } from '../support/harness.ts';

export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

export function captureIo(baseUrl: string): CapturedIo {
  let stdout = '';
  let stderr = '';
  return {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { TESSERA_URL: baseUrl, TESSERA_ADMIN_TOKEN: ADMIN_TOKEN },
    out: () => stdout,
    err: () => stderr,
  };
}

/** An audit row as stored: the one declaration, from the writer's side. */
export type AuditRow = ChainedAuditEvent;

export async function auditRowFor(db: Database, requestId: string): Promise<AuditRow | undefined> {
  const [row] = await db.query<AuditRow>(
    'SELECT *, seq::text AS seq, chain_seq::text AS chain_seq FROM audit_events WHERE request_id = $1',
    [requestId],
  );
  return row;
}

/** Every audit row as one text, to search for anything that must never be stored. */
export async function allAuditText(db: Database): Promise<string> {
  const rows = await db.query<{ row: string }>('SELECT row_to_json(e)::text AS row FROM audit_events e');
  return rows.map((r) => r.row).join('\n');
}

/** Runs `work` as the superuser with triggers off: what an attacker with database access could do. */
export async function tamper(db: Database, work: (tx: Database) => Promise<unknown>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL session_replication_role = replica');
    await work(tx as Database);
  });
}

/** The key the harness's app signs with: the embedded default's generated key in its data directory. */
export async function testSigningKey(): Promise<SigningKey> {
  const { key } = await loadSigningKey(testConfig());
  if (!key) throw new Error('the test configuration has no audit signing key');
  return key;
}
