// The console's throttles, on the fixed-window counter kept in the database so every node sees the same
// count: sign-in requests per address and per IP (no mail-bombing, no enumeration by brute force) and wrong
// second-factor codes per user (a 6-digit code must not be guessable by trying).
import type { Database } from '../../db/database.ts';
import { DatabaseWindowCounter } from '../../rate-limit/database-window-counter.ts';

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
  const { count } = await new DatabaseWindowCounter(db).hit(bucket, rule.windowMs, now);
  return count <= rule.limit;
}

export async function isBlocked(
  db: Database,
  bucket: string,
  rule: ThrottleRule,
  now: number,
): Promise<boolean> {
  const { count } = await new DatabaseWindowCounter(db).peek(bucket, rule.windowMs, now);
  return count >= rule.limit;
}

export async function clear(db: Database, bucket: string): Promise<void> {
  await new DatabaseWindowCounter(db).clear(bucket);
}

export async function purgeThrottles(db: Database, now: number): Promise<void> {
  const longest = Math.max(...Object.values(THROTTLES).map((rule) => rule.windowMs));
  await new DatabaseWindowCounter(db).purge(now - longest);
}
