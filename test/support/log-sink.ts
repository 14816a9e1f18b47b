// A logger whose JSON lines a test can read back.
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../src/log.ts';

export interface LogSink {
  logger: Logger;
  /** Every line so far, parsed; a line that is not JSON fails the test that reads it. */
  lines(): Array<Record<string, unknown>>;
}

export function logSink(level = 'info'): LogSink {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return {
    logger: createLogger(level, stream),
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
