// The Database interface, traced: one span per statement and per transaction, made only inside a traced
// request (housekeeping jobs stay out of the traces). The span names the operation (SELECT, INSERT…), never
// the statement's parameters.
import { type Tracer, trace } from '@opentelemetry/api';
import type { Database, Queryable } from '../db/database.ts';
import { inSpan } from './spans.ts';

export function tracedDatabase(db: Database, tracer: Tracer): Database {
  const system = { 'db.system.name': 'postgresql', 'tessera.db.kind': db.kind };
  const traced = <T>(name: string, operation: string, work: () => Promise<T>) =>
    trace.getActiveSpan()
      ? inSpan(tracer, name, { ...system, 'db.operation.name': operation }, work)
      : work();
  const tracedQueryable = (target: Queryable): Queryable => ({
    query: (sql, params) =>
      traced(`db ${operationOf(sql)}`, operationOf(sql), () => target.query(sql, params)),
    exec: (sql) => traced('db script', 'SCRIPT', () => target.exec(sql)),
  });
  return {
    ...tracedQueryable(db),
    kind: db.kind,
    transaction: (work) =>
      traced('db transaction', 'TRANSACTION', () => db.transaction((tx) => work(tracedQueryable(tx)))),
    scoped: (scope, work) =>
      traced('db scoped transaction', 'TRANSACTION', () =>
        db.scoped(scope, (tx) => work(tracedQueryable(tx))),
      ),
    listen: (channel, handlers) => db.listen(channel, handlers),
    tryExclusiveLock: (lockId) => db.tryExclusiveLock(lockId),
    close: () => db.close(),
  };
}

function operationOf(sql: string): string {
  const word = /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase();
  return word && /^[A-Z]{2,12}$/.test(word) ? word : 'OTHER';
}
