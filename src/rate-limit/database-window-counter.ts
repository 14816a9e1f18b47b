// The fixed-window counter kept in the database (table console_throttle), for counts every node must share:
// the console's sign-in and second-factor throttles. Same contract as FixedWindowCounter (a window opens
// at a bucket's first hit and resets when it ends), done in one upsert so concurrent nodes agree.
import type { Database } from '../db/database.ts';
import type { WindowCount } from './fixed-window.ts';

export class DatabaseWindowCounter {
  constructor(private readonly db: Database) {}

  async hit(bucket: string, windowMs: number, now: number): Promise<WindowCount> {
    const [row] = await this.db.query<{ hits: number; window_started_at: Date }>(
      `INSERT INTO console_throttle (bucket, window_started_at, hits) VALUES ($1, $2, 1)
       ON CONFLICT (bucket) DO UPDATE SET
         hits = CASE WHEN console_throttle.window_started_at <= $3 THEN 1 ELSE console_throttle.hits + 1 END,
         window_started_at = CASE WHEN console_throttle.window_started_at <= $3 THEN $2
                                  ELSE console_throttle.window_started_at END
       RETURNING hits, window_started_at`,
      [bucket, new Date(now), new Date(now - windowMs)],
    );
    return windowCount(row, windowMs, now);
  }

  async peek(bucket: string, windowMs: number, now: number): Promise<WindowCount> {
    const [row] = await this.db.query<{ hits: number; window_started_at: Date }>(
      'SELECT hits, window_started_at FROM console_throttle WHERE bucket = $1 AND window_started_at > $2',
      [bucket, new Date(now - windowMs)],
    );
    return windowCount(row, windowMs, now);
  }

  async clear(bucket: string): Promise<void> {
    await this.db.query('DELETE FROM console_throttle WHERE bucket = $1', [bucket]);
  }

  /** Drops windows that started before `startedBefore` (they have all ended). */
  async purge(startedBefore: number): Promise<void> {
    await this.db.query('DELETE FROM console_throttle WHERE window_started_at < $1', [
      new Date(startedBefore),
    ]);
  }
}

function windowCount(
  row: { hits: number; window_started_at: Date } | undefined,
  windowMs: number,
  now: number,
): WindowCount {
  if (!row) return { count: 0, resetInMs: 0 };
  return {
    count: row.hits,
    resetInMs: Math.max(0, new Date(row.window_started_at).getTime() + windowMs - now),
  };
}
