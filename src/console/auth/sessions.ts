// Console sessions. The cookie carries 32 random bytes; the database keeps only their SHA-256, so a leaked
// table cannot be replayed as cookies. A session is "partial" until the second factor is verified, then a
// new session (new id) replaces it. Idle timeout 30 minutes, absolute 12 hours, both on the injected clock.
import { randomToken, sha256Hex } from '../../crypto.ts';
import type { Database, Queryable } from '../../db/database.ts';
import type { Role } from '../roles.ts';

export const IDLE_TIMEOUT_MS = 30 * 60_000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 3_600_000;
/** A session waiting for its second factor lives only long enough to type a code. */
export const PARTIAL_TIMEOUT_MS = 15 * 60_000;

export interface ConsoleUser {
  id: string;
  partner_id: string;
  email: string;
  role: Role;
  created_at: Date;
}

export interface ConsoleSession {
  idSha256: string;
  user: ConsoleUser;
  partnerName: string;
  csrfToken: string;
  mfaVerified: boolean;
  /** When a second factor was last given on this session (sign-in or step-up), epoch ms. */
  mfaVerifiedAt: number | null;
  webauthnChallenge: string | null;
}

interface SessionRow {
  id_sha256: string;
  csrf_token: string;
  mfa_verified_at: Date | null;
  last_seen_at: Date;
  expires_at: Date;
  webauthn_challenge: string | null;
  user_id: string;
  partner_id: string;
  email: string;
  role: Role;
  user_created_at: Date;
  partner_name: string;
}

export interface NewSession {
  userId: string;
  mfaVerified: boolean;
  clientIp: string;
  userAgent: string | undefined;
}

/** Creates a session and returns the cookie value (the only place the raw id exists). */
export async function createSession(tx: Queryable, input: NewSession, now: number): Promise<string> {
  const token = randomToken(32);
  const lifetime = input.mfaVerified ? ABSOLUTE_TIMEOUT_MS : PARTIAL_TIMEOUT_MS;
  await tx.query(
    `INSERT INTO console_sessions (id_sha256, user_id, created_at, last_seen_at, expires_at, mfa_verified_at,
       csrf_token, client_ip, user_agent)
     VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8)`,
    [
      sha256Hex(token),
      input.userId,
      new Date(now),
      new Date(now + lifetime),
      input.mfaVerified ? new Date(now) : null,
      randomToken(32),
      input.clientIp,
      input.userAgent?.slice(0, 200) ?? null,
    ],
  );
  return token;
}

/** The live session behind a cookie value, touched as seen now; undefined if absent, revoked or timed out. */
export async function loadSession(
  db: Database,
  token: string,
  now: number,
): Promise<ConsoleSession | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const [row] = await db.query<SessionRow>(
    `SELECT s.id_sha256, s.csrf_token, s.mfa_verified_at, s.last_seen_at, s.expires_at, s.webauthn_challenge,
            u.id AS user_id, u.partner_id, u.email, u.role, u.created_at AS user_created_at, p.name AS partner_name
       FROM console_sessions s
       JOIN console_users u ON u.id = s.user_id AND u.removed_at IS NULL
       JOIN partners p ON p.id = u.partner_id
      WHERE s.id_sha256 = $1 AND s.revoked_at IS NULL`,
    [sha256Hex(token)],
  );
  if (!row) return undefined;
  const idle = now - new Date(row.last_seen_at).getTime() > IDLE_TIMEOUT_MS;
  const expired = now >= new Date(row.expires_at).getTime();
  if (idle || expired) {
    await db.query(
      'UPDATE console_sessions SET revoked_at = $2 WHERE id_sha256 = $1 AND revoked_at IS NULL',
      [row.id_sha256, new Date(now)],
    );
    return undefined;
  }
  await db.query('UPDATE console_sessions SET last_seen_at = $2 WHERE id_sha256 = $1', [
    row.id_sha256,
    new Date(now),
  ]);
  return {
    idSha256: row.id_sha256,
    user: {
      id: row.user_id,
      partner_id: row.partner_id,
      email: row.email,
      role: row.role,
      created_at: row.user_created_at,
    },
    partnerName: row.partner_name,
    csrfToken: row.csrf_token,
    mfaVerified: row.mfa_verified_at !== null,
    mfaVerifiedAt: row.mfa_verified_at === null ? null : new Date(row.mfa_verified_at).getTime(),
    webauthnChallenge: row.webauthn_challenge,
  };
}

export async function revokeSession(
  tx: Queryable,
  userId: string,
  idSha256: string,
  now: number,
): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE console_sessions SET revoked_at = $3
      WHERE id_sha256 = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id_sha256`,
    [idSha256, userId, new Date(now)],
  );
  return rows.length > 0;
}

export async function revokeAllSessions(tx: Queryable, userId: string, now: number): Promise<void> {
  await tx.query('UPDATE console_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [
    userId,
    new Date(now),
  ]);
}

/** Ends every other session of the user ("sign out other sessions"); returns how many ended. */
export async function revokeOtherSessions(
  tx: Queryable,
  userId: string,
  keepIdSha256: string,
  now: number,
): Promise<number> {
  const rows = await tx.query(
    `UPDATE console_sessions SET revoked_at = $3
      WHERE user_id = $1 AND id_sha256 <> $2 AND revoked_at IS NULL RETURNING id_sha256`,
    [userId, keepIdSha256, new Date(now)],
  );
  return rows.length;
}

/** Records a second factor given again now (step-up) on a fully signed-in session. */
export async function markFactorGiven(db: Database, idSha256: string, now: number): Promise<void> {
  await db.query(
    'UPDATE console_sessions SET mfa_verified_at = $2 WHERE id_sha256 = $1 AND mfa_verified_at IS NOT NULL',
    [idSha256, new Date(now)],
  );
}

export async function setWebauthnChallenge(
  db: Database,
  idSha256: string,
  challenge: string | null,
): Promise<void> {
  await db.query('UPDATE console_sessions SET webauthn_challenge = $2 WHERE id_sha256 = $1', [
    idSha256,
    challenge,
  ]);
}

export interface ActiveSession {
  id_sha256: string;
  created_at: Date;
  last_seen_at: Date;
  client_ip: string | null;
  user_agent: string | null;
}

export async function listActiveSessions(
  db: Database,
  userId: string,
  now: number,
): Promise<ActiveSession[]> {
  return db.query<ActiveSession>(
    `SELECT id_sha256, created_at, last_seen_at, client_ip, user_agent FROM console_sessions
      WHERE user_id = $1 AND revoked_at IS NULL AND mfa_verified_at IS NOT NULL
        AND expires_at > $2 AND last_seen_at > $3
      ORDER BY last_seen_at DESC`,
    [userId, new Date(now), new Date(now - IDLE_TIMEOUT_MS)],
  );
}

export async function purgeSessions(db: Database, now: number): Promise<void> {
  await db.query('DELETE FROM console_sessions WHERE expires_at < $1', [new Date(now - 7 * 24 * 3_600_000)]);
}
