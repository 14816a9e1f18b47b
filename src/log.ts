// The logger. Request lines are built from an allowlist of fields (server.ts); redaction is the second
// line of defence for anything that still carries a credential.
import pino, { type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-signature"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-signature"]',
  '*.authorization',
  '*.secret',
  '*.key',
  '*.token',
  '*.signature',
  '*.password',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tessera' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
