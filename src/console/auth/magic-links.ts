// Single-use sign-in links: 32 random bytes, stored only as SHA-256, valid 15 minutes. Consuming one is a
// single UPDATE … WHERE used_at IS NULL, so two concurrent POSTs of the same link cannot both succeed.
import { randomToken, sha256Hex } from '../../crypto.ts';
import type { Database, Queryable } from '../../db/database.ts';

export const LINK_TTL_MS = 15 * 60_000;

export async function issueLink(tx: Queryable, userId: string, now: number, ip: string): Promise<string> {
  const token = randomToken(32);
  await tx.query(
    `INSERT INTO console_magic_links (token_sha256, user_id, created_at, expires_at, requested_ip)
     VALUES ($1, $2, $3, $4, $5)`,
    [sha256Hex(token), userId, new Date(now), new Date(now + LINK_TTL_MS), ip],
  );
  return token;
}

/**
 * The same work as issueLink for an address that has no account (a random token hashed and a row written,
 * born used so it can never sign in): the response time must not tell the two cases apart.
 */
export async function issueDecoy(tx: Queryable, now: number, ip: string): Promise<void> {
  await tx.query(
    `INSERT INTO console_magic_links (token_sha256, user_id, created_at, expires_at, used_at, requested_ip)
     VALUES ($1, NULL, $2, $3, $2, $4)`,
    [sha256Hex(randomToken(32)), new Date(now), new Date(now + LINK_TTL_MS), ip],
  );
}

/**
 * Marks the link used and returns its user, or undefined for an unknown, used or expired link. Every other
 * outstanding link for that user is spent with it: an older link found later in a mailbox cannot sign in.
 */
export async function consumeLink(
  db: Database,
  token: string,
  now: number,
): Promise<{ user_id: string; partner_id: string } | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  return db.transaction(async (tx) => {
    const user = await spend(tx, token, now);
    if (user) {
      await tx.query('UPDATE console_magic_links SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL', [
        user.user_id,
        new Date(now),
      ]);
    }
    return user;
  });
}

async function spend(
  tx: Queryable,
  token: string,
  now: number,
): Promise<{ user_id: string; partner_id: string } | undefined> {
  const [row] = await tx.query<{ user_id: string; partner_id: string }>(
    `UPDATE console_magic_links l SET used_at = $2
       FROM console_users u
      WHERE l.token_sha256 = $1 AND l.used_at IS NULL AND l.expires_at > $2
        AND u.id = l.user_id AND u.removed_at IS NULL
     RETURNING l.user_id, u.partner_id`,
    [sha256Hex(token), new Date(now)],
  );
  return row;
}

export async function purgeLinks(db: Database, now: number): Promise<void> {
  await db.query('DELETE FROM console_magic_links WHERE expires_at < $1', [new Date(now - 24 * 3_600_000)]);
}
