// An export streams after its 200 was recorded; if the stream then breaks, Fastify's error path calls
// onSend again. The audit stage must record the request's outcome once, not a 200 and a contradicting 500.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEventInput } from '../../src/audit/event.ts';
import { auditBeforeRelease } from '../../src/pipeline/audit.ts';
import { RequestContext } from '../../src/pipeline/context.ts';

test('the audit stage records one event per request, even when onSend runs again after a failed stream', async () => {
  const recorded: AuditEventInput[] = [];
  const hook = auditBeforeRelease({ record: async (event) => void recorded.push(event) }, () => 1_000);
  const request = {
    tessera: new RequestContext('req_once', 990, '127.0.0.1'),
    routeOptions: { config: { security: { kind: 'admin' } } },
    headers: {},
    url: '/admin/v1/audit/platform-events?from=2026-01-01',
    method: 'GET',
  } as unknown as FastifyRequest;
  const reply = (statusCode: number) => ({ statusCode }) as FastifyReply;
  await hook(request, reply(200), 'stream');
  await hook(request, reply(500), '{"code":"internal"}');
  assert.deepEqual(
    recorded.map((e) => [e.requestId, e.status]),
    [['req_once', 200]],
  );
  const another = { ...request, tessera: new RequestContext('req_next', 990, '127.0.0.1') } as FastifyRequest;
  await hook(another, reply(200), 'ok');
  assert.equal(recorded.length, 2, 'each request still gets its own event');
});
