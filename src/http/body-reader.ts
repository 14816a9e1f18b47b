// Reads a JSON request body as the exact bytes received (the signature is checked over them, then they are
// parsed), within a size limit and a time limit. The time limit stops a slow-body attack: a client that
// sends one byte every few seconds would otherwise hold its connection, and a slot of its key, forever.
// The answer is a catalogued 408, audited and logged like any other, and the connection is closed.
import type { FastifyRequest } from 'fastify';
import { apiError } from '../errors.ts';

type Done = (error: Error | null, body?: unknown) => void;

export function readRawBody(limitBytes: number, timeoutMs: number) {
  return function readRawBody(request: FastifyRequest, payload: NodeJS.ReadableStream, done: Done): void {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      payload.removeListener('data', onData);
      if (error) payload.resume(); // drain the rest instead of buffering it
      done(error, undefined);
    };
    const timer = setTimeout(() => finish(apiError('request.timeout')), timeoutMs);
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) return finish(apiError('request.body_too_large'));
      chunks.push(chunk);
    };
    payload.on('data', onData);
    payload.on('error', (error: Error) => finish(error));
    payload.on('end', () => {
      if (settled) return;
      request.rawBody = Buffer.concat(chunks);
      finish(null);
    });
  };
}
