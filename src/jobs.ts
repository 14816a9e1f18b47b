// Periodic housekeeping, run by every node (each job is safe to run concurrently on several nodes).
import type { Database } from './db/database.ts';

export interface Job {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

export function purgeExpiredWriteRecords(db: Database): Job {
  return {
    name: 'purge-write-records',
    everyMs: 60_000,
    async run() {
      // Idempotency records are kept 24 hours; accepted signatures only need to outlive the ±300 s window.
      await db.query(`DELETE FROM idempotency_records WHERE created_at < now() - interval '24 hours'`);
      await db.query(`DELETE FROM accepted_signatures WHERE accepted_at < now() - interval '15 minutes'`);
    },
  };
}

export function startJobs(
  jobs: readonly Job[],
  onError: (job: Job, error: unknown) => void,
): () => Promise<void> {
  const running = new Set<Promise<void>>();
  const timers = jobs.map((job) =>
    setInterval(() => {
      const run = job
        .run()
        .catch((error: unknown) => onError(job, error))
        .finally(() => running.delete(run));
      running.add(run);
    }, job.everyMs).unref(),
  );
  return async () => {
    for (const timer of timers) clearInterval(timer);
    await Promise.all(running);
  };
}
