import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEventInput } from '../../src/audit/event.ts';
import { RejectionAggregator } from '../../src/pipeline/rejection-aggregator.ts';
import { FixedWindowCounter } from '../../src/rate-limit/fixed-window.ts';

const T0 = Date.parse('2026-11-29T12:00:00Z');

function rejection(requestId: string): AuditEventInput {
  return {
    occurredAt: new Date(T0),
    requestId,
    partnerId: null,
    environment: null,
    actorType: 'anonymous',
    actorId: null,
    action: 'api.request',
    method: 'GET',
    path: '/v1/me',
    status: 401,
    errorCode: 'auth.api_key.missing',
    clientIp: '203.0.113.5',
  };
}

function recordingWriter() {
  const written: AuditEventInput[] = [];
  return { written, record: async (event: AuditEventInput) => void written.push(event) };
}

describe('rejection aggregation', () => {
  test('the first of a window is written at once, the repeats as one event with count, first and last time', async () => {
    let clock = T0;
    const writer = recordingWriter();
    const aggregator = new RejectionAggregator(writer, () => clock, 60_000);
    await aggregator.record(rejection('req_1'), 'same');
    assert.deepEqual(
      writer.written.map((e) => e.requestId),
      ['req_1'],
    );
    for (let i = 2; i <= 5; i++) {
      clock += 1_000;
      await aggregator.record(rejection(`req_${i}`), 'same');
    }
    await aggregator.flushEnded();
    assert.equal(writer.written.length, 1, 'nothing more before the window ends');

    clock = T0 + 60_000;
    await aggregator.flushEnded();
    assert.equal(writer.written.length, 2);
    assert.deepEqual(writer.written[1]?.detail, {
      count: 4,
      first_at: new Date(T0 + 1_000).toISOString(),
      last_at: new Date(T0 + 4_000).toISOString(),
      last_request_id: 'req_5',
    });
    assert.equal(writer.written[1]?.errorCode, 'auth.api_key.missing');

    await aggregator.record(rejection('req_6'), 'same');
    assert.equal(writer.written.at(-1)?.requestId, 'req_6', 'a new window starts with an event of its own');
  });

  test('different rejections are not merged, and close() flushes what is open', async () => {
    const writer = recordingWriter();
    const aggregator = new RejectionAggregator(writer, () => T0, 60_000);
    for (const sameness of ['a', 'b', 'a', 'b', 'b']) await aggregator.record(rejection(sameness), sameness);
    assert.equal(writer.written.length, 2);
    await aggregator.close();
    assert.deepEqual(writer.written.map((e) => e.detail?.count ?? 1).sort(), [1, 1, 1, 2]);
  });

  test('identical rejections arriving while the first is being written count as its repeats', async () => {
    const written: AuditEventInput[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowWriter = {
      async record(event: AuditEventInput) {
        written.push(event);
        await gate;
      },
    };
    const aggregator = new RejectionAggregator(slowWriter, () => T0, 60_000);
    const first = aggregator.record(rejection('req_1'), 'same');
    await Promise.all([2, 3, 4].map((i) => aggregator.record(rejection(`req_${i}`), 'same')));
    release();
    await first;
    await aggregator.close();
    assert.deepEqual(
      written.map((e) => [e.requestId, e.detail?.count ?? 1]),
      [
        ['req_1', 1],
        ['req_4', 3],
      ],
    );
  });

  test('open windows are bounded: the oldest is flushed early rather than dropped', async () => {
    const writer = recordingWriter();
    const aggregator = new RejectionAggregator(writer, () => T0, 60_000, 2);
    for (const sameness of ['a', 'a', 'b', 'c']) await aggregator.record(rejection(sameness), sameness);
    assert.deepEqual(
      writer.written.map((e) => e.detail?.count ?? 1),
      [1, 1, 1, 1],
    );
  });
});

describe('the fixed-window counter', () => {
  test('counts per bucket within a window, resets when it ends, and stays bounded', () => {
    const counter = new FixedWindowCounter(2);
    assert.deepEqual(counter.hit('x', 1_000, T0), { count: 1, resetInMs: 1_000 });
    assert.deepEqual(counter.hit('x', 1_000, T0 + 400), { count: 2, resetInMs: 600 });
    assert.deepEqual(counter.peek('x', T0 + 999), { count: 2, resetInMs: 1 });
    assert.deepEqual(counter.peek('x', T0 + 1_000), { count: 0, resetInMs: 0 });
    assert.deepEqual(counter.hit('x', 1_000, T0 + 1_000), { count: 1, resetInMs: 1_000 });
    counter.hit('y', 1_000, T0 + 1_000);
    counter.hit('z', 1_000, T0 + 1_000);
    assert.equal(counter.size, 2, 'the oldest bucket made room');
  });
});
