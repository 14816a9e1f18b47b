// Staff console sessions: a random token in a cookie, stored only as SHA-256, with a CSRF token, an idle
// limit (30 minutes) and an absolute one (8 hours). The public session id in audit events is a prefix of
// the stored hash, so it names the session without revealing anything that could resume it.
import { randomToken, sha256Hex } from '../crypto.ts';
import type { Database, Queryable } from '../db/database.ts';
import { STAFF_ROLES, type StaffPerson, type StaffRole } from './identity.ts';

export const STAFF_IDLE_MS = 30 * 60_000;
export const STAFF_ABSOLUTE_MS = 8 * 60 * 60_000;

export interface StaffSession {
  person: StaffPerson;
  csrfToken: string;
  idSha256: string;
}

interface SessionRow {
  id_sha256: string;
  issuer: string;
  subject: string;
  email: string | null;
  roles: string[];
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

export function publicSessionId(idSha256: string): string {
  return `sss_${idSha256.slice(0, 16)}`;
}

export async function createStaffSession(
  tx: Queryable,
  person: Omit<StaffPerson, 'sessionId' | 'channel' | 'kind'>,
  meta: { clientIp: string; userAgent: string | undefined },
  now: number,
): Promise<{ token: string; idSha256: string }> {
  const token = randomToken(32);
  const idSha256 = sha256Hex(token);
  await tx.query(
    `INSERT INTO staff_sessions (id_sha256, issuer, subject, email, roles, created_at, last_seen_at, expires_at,
       csrf_token, client_ip, user_agent)
     VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10)`,
    [
      idSha256,
      person.issuer,
      person.subject,
      person.email,
      [...person.roles],
      new Date(now),
      new Date(now + STAFF_ABSOLUTE_MS),
      randomToken(24),
      meta.clientIp,
      meta.userAgent?.slice(0, 256) ?? null,
    ],
  );
  return { token, idSha256 };
}

/** The live session for a cookie value, refreshing its idle timer; undefined when absent or expired. */
export async function loadStaffSession(
  db: Database,
  token: string,
  now: number,
): Promise<StaffSession | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const [row] = await db.query<SessionRow>(
    `UPDATE staff_sessions SET last_seen_at = $2
      WHERE id_sha256 = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3
      RETURNING id_sha256, issuer, subject, email, roles, csrf_token, created_at, last_seen_at, expires_at`,
    [sha256Hex(token), new Date(now), new Date(now - STAFF_IDLE_MS)],
  );
  if (!row) return undefined;
  const roles = row.roles.filter((role): role is StaffRole =>
    (STAFF_ROLES as readonly string[]).includes(role),
  );
  return {
    idSha256: row.id_sha256,
    csrfToken: row.csrf_token,
    person: {
      kind: 'person',
      issuer: row.issuer,
      subject: row.subject,
      email: row.email,
      roles,
      sessionId: publicSessionId(row.id_sha256),
      channel: 'staff_console',
    },
  };
}

export async function revokeStaffSession(db: Queryable, idSha256: string, now: number): Promise<void> {
  await db.query('UPDATE staff_sessions SET revoked_at = $2 WHERE id_sha256 = $1 AND revoked_at IS NULL', [
    idSha256,
    new Date(now),
  ]);
}

export interface StaffSessionSummary {
  id_sha256: string;
  email: string | null;
  subject: string;
  roles: string[];
  created_at: Date;
  last_seen_at: Date;
  client_ip: string | null;
}

export async function listLiveStaffSessions(db: Database, now: number): Promise<StaffSessionSummary[]> {
  return db.query<StaffSessionSummary>(
    `SELECT id_sha256, email, subject, roles, created_at, last_seen_at, client_ip FROM staff_sessions
      WHERE revoked_at IS NULL AND expires_at > $1 AND last_seen_at > $2 ORDER BY last_seen_at DESC LIMIT 200`,
    [new Date(now), new Date(now - STAFF_IDLE_MS)],
  );
}
