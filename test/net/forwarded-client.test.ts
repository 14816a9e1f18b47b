// The client address for answers Fastify makes before routing: X-Forwarded-For is believed only from a
// trusted proxy, hop by hop, so a client cannot choose the address its rejections are counted against.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { compileCidrs } from '../../src/net/cidr.ts';
import { forwardedClientAddress } from '../../src/net/forwarded-client.ts';

const trusted = compileCidrs(['127.0.0.1/32', '10.0.0.0/8']);
const request = (remoteAddress: string, forwarded?: string) =>
  ({
    socket: { remoteAddress },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  }) as unknown as IncomingMessage;

test('an untrusted peer is the client, whatever X-Forwarded-For it sends', () => {
  assert.equal(forwardedClientAddress(request('198.51.100.9', '203.0.113.1'), trusted), '198.51.100.9');
});

test('through trusted proxies, the nearest untrusted hop is the client; a spoofed far hop is not', () => {
  assert.equal(forwardedClientAddress(request('127.0.0.1', '203.0.113.1'), trusted), '203.0.113.1');
  assert.equal(
    forwardedClientAddress(request('127.0.0.1', '6.6.6.6, 203.0.113.1, 10.1.2.3'), trusted),
    '203.0.113.1',
  );
  assert.equal(forwardedClientAddress(request('127.0.0.1'), trusted), '127.0.0.1');
});
