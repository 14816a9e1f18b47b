// The durability floor of a run: how long one durable commit takes on this PostgreSQL, measured from the
// benchmark process. A response that waits for its audit event to be durable cannot come back sooner than
// one commit (WAL flush: fsync or fdatasync, per wal_sync_method), whatever the code in front of it does.
// One row per autocommit INSERT, one after another on one connection, into a table of the bench database.
import type { Database } from '../../src/db/database.ts';

export interface CommitFloor {
  samples: number;
  /** Milliseconds, to the microsecond. */
  p50: number;
  p99: number;
  synchronousCommit: string;
  walSyncMethod: string;
}

export async function measureCommitFloor(db: Database, seconds: number): Promise<CommitFloor> {
  await db.query('CREATE TABLE bench_commit_floor (id bigserial PRIMARY KEY, at timestamptz NOT NULL)');
  const setting = async (name: string) =>
    (await db.query<{ setting: string }>('SELECT setting FROM pg_settings WHERE name = $1', [name]))[0]
      ?.setting ?? 'unknown';
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const started = performance.now();
    await db.query('INSERT INTO bench_commit_floor (at) VALUES (now())');
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0) * 1000) / 1000;
  return {
    samples: samples.length,
    p50: at(0.5),
    p99: at(0.99),
    synchronousCommit: await setting('synchronous_commit'),
    walSyncMethod: await setting('wal_sync_method'),
  };
}
