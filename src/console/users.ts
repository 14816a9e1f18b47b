// Console users: one partner each, one role each. Every change commits with its audit event; removing a
// user or changing a role also ends that user's sessions, so a demotion takes effect on the next click.
import type { Actor } from '../actor.ts';
import { appendAuditEvents } from '../audit/append.ts';
import type { Database, Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import { type ConsoleUser, revokeAllSessions } from './auth/sessions.ts';
import type { Role } from './roles.ts';

const USER_COLUMNS = 'id, partner_id, email, role, created_at';
const EMAIL_PATTERN = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

export function normaliseEmail(raw: string): string | undefined {
  const email = raw.trim();
  return email.length <= 254 && EMAIL_PATTERN.test(email) ? email : undefined;
}

export async function findActiveUserByEmail(tx: Queryable, email: string): Promise<ConsoleUser | undefined> {
  const [user] = await tx.query<ConsoleUser>(
    `SELECT ${USER_COLUMNS} FROM console_users WHERE lower(email) = lower($1) AND removed_at IS NULL`,
    [email],
  );
  return user;
}

export async function listUsers(db: Database, partnerId: string): Promise<ConsoleUser[]> {
  return db.query<ConsoleUser>(
    `SELECT ${USER_COLUMNS} FROM console_users WHERE partner_id = $1 AND removed_at IS NULL ORDER BY created_at, id`,
    [partnerId],
  );
}

export async function inviteUser(
  db: Database,
  actor: Actor,
  input: { partnerId: string; email: string; role: Role },
  now: number,
): Promise<ConsoleUser | 'email_taken'> {
  return db.transaction(async (tx) => {
    if (await findActiveUserByEmail(tx, input.email)) return 'email_taken';
    const [user] = await tx.query<ConsoleUser>(
      `INSERT INTO console_users (id, partner_id, email, role, created_at) VALUES ($1, $2, $3, $4, $5)
       RETURNING ${USER_COLUMNS}`,
      [newId('user', now), input.partnerId, input.email, input.role, new Date(now)],
    );
    if (!user) throw new Error('user insert returned no row');
    await appendAuditEvents(tx, [
      actor.event('user.invited', {
        partnerId: user.partner_id,
        environment: null,
        detail: { user_id: user.id, email: user.email, role: user.role },
      }),
    ]);
    return user;
  });
}

export type TeamChange = ConsoleUser | 'not_found' | 'last_owner';

/** Changes a role; the partner always keeps at least one owner. */
export async function changeRole(
  db: Database,
  actor: Actor,
  partnerId: string,
  userId: string,
  role: Role,
  now: number,
): Promise<TeamChange> {
  return db.transaction(async (tx) => {
    const user = await lockUser(tx, partnerId, userId);
    if (!user) return 'not_found';
    if (user.role === 'owner' && role !== 'owner' && (await ownerCount(tx, partnerId)) <= 1)
      return 'last_owner';
    const [updated] = await tx.query<ConsoleUser>(
      `UPDATE console_users SET role = $2 WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      [userId, role],
    );
    if (!updated) return 'not_found';
    if (user.role !== role) await revokeAllSessions(tx, userId, now);
    await appendAuditEvents(tx, [
      actor.event('user.role_changed', {
        partnerId,
        environment: null,
        detail: { user_id: userId, from: user.role, to: role },
      }),
    ]);
    return updated;
  });
}

export async function removeUser(
  db: Database,
  actor: Actor,
  partnerId: string,
  userId: string,
  now: number,
): Promise<TeamChange> {
  return db.transaction(async (tx) => {
    const user = await lockUser(tx, partnerId, userId);
    if (!user) return 'not_found';
    if (user.role === 'owner' && (await ownerCount(tx, partnerId)) <= 1) return 'last_owner';
    await tx.query('UPDATE console_users SET removed_at = $2 WHERE id = $1', [userId, new Date(now)]);
    await revokeAllSessions(tx, userId, now);
    await appendAuditEvents(tx, [
      actor.event('user.removed', {
        partnerId,
        environment: null,
        detail: { user_id: userId, email: user.email },
      }),
    ]);
    return user;
  });
}

async function lockUser(tx: Queryable, partnerId: string, userId: string): Promise<ConsoleUser | undefined> {
  const [user] = await tx.query<ConsoleUser>(
    `SELECT ${USER_COLUMNS} FROM console_users WHERE id = $1 AND partner_id = $2 AND removed_at IS NULL FOR UPDATE`,
    [userId, partnerId],
  );
  return user;
}

async function ownerCount(tx: Queryable, partnerId: string): Promise<number> {
  // Locks every owner row so two owners demoting each other at once cannot leave the partner with none.
  const rows = await tx.query(
    `SELECT id FROM console_users WHERE partner_id = $1 AND role = 'owner' AND removed_at IS NULL FOR UPDATE`,
    [partnerId],
  );
  return rows.length;
}

/** What the team page shows beside each member: whether they have signed in, and their second factors. */
export interface MemberStatus {
  user_id: string;
  totp_confirmed: boolean;
  passkeys: number;
}

export async function memberStatuses(db: Database, partnerId: string): Promise<Map<string, MemberStatus>> {
  const rows = await db.query<MemberStatus>(
    `SELECT u.id AS user_id,
            EXISTS (SELECT 1 FROM console_totp_factors t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL)
              AS totp_confirmed,
            (SELECT count(*)::int FROM console_webauthn_credentials w WHERE w.user_id = u.id) AS passkeys
       FROM console_users u WHERE u.partner_id = $1 AND u.removed_at IS NULL`,
    [partnerId],
  );
  return new Map(rows.map((row) => [row.user_id, row]));
}
