// Fixed-window counters in the database, so every node sees the same count: sign-in requests per address
// and per IP (no mail-bombing, no enumeration by brute force) and wrong second-factor codes per user
// (a 6-digit code must not be guessable by trying).
import type { Database } from '../../db/database.ts';

export interface ThrottleRule {
  limit: number;
  windowMs: number;
}

export const THROTTLES = {
  loginPerEmail: { limit: 5, windowMs: 15 * 60_000 },
  loginPerIp: { limit: 30, windowMs: 15 * 60_000 },
  wrongCodes: { limit: 5, windowMs: 15 * 60_000 },
} as const satisfies Record<string, ThrottleRule>;

/** Counts one hit and says whether it is still within the limit. */
export async function hit(db: Database, bucket: string, rule: ThrottleRule, now: number): Promise<boolean> {
  const [row] = await db.query<{ hits: number }>(
    `INSERT INTO console_throttle (bucket, window_started_at, hits) VALUES ($1, $2, 1)
     ON CONFLICT (bucket) DO UPDATE SET
       hits = CASE WHEN console_throttle.window_started_at <= $3 THEN 1 ELSE console_throttle.hits + 1 END,
       window_started_at = CASE WHEN console_throttle.window_started_at <= $3 THEN $2
                                ELSE console_throttle.window_started_at END
     RETURNING hits`,
    [bucket, new Date(now), new Date(now - rule.windowMs)],
  );
  return (row?.hits ?? 0) <= rule.limit;
}

export async function isBlocked(
  db: Database,
  bucket: string,
  rule: ThrottleRule,
  now: number,
): Promise<boolean> {
  const [row] = await db.query<{ hits: number }>(
    'SELECT hits FROM console_throttle WHERE bucket = $1 AND window_started_at > $2',
    [bucket, new Date(now - rule.windowMs)],
  );
  return (row?.hits ?? 0) >= rule.limit;
}

export async function clear(db: Database, bucket: string): Promise<void> {
  await db.query('DELETE FROM console_throttle WHERE bucket = $1', [bucket]);
}

export async function purgeThrottles(db: Database, now: number): Promise<void> {
  const longest = Math.max(...Object.values(THROTTLES).map((rule) => rule.windowMs));
  await db.query('DELETE FROM console_throttle WHERE window_started_at < $1', [new Date(now - longest)]);
}
