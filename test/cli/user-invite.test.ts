// `tessera user invite`: against the real admin API on the harness, and against a stand-in that records the
// exact request (POST /admin/v1/partners/:id/users {email, role} → 201 user object).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { databaseTargets } from '../support/database.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from '../support/harness.ts';
import { cliRunner, jsonErrorOf, jsonOf, type RunCli } from './run-cli.ts';

const TOKEN = 'stand-in-admin-token-0123456789abcdef';
const PARTNER = 'ptn_0mwtbffxdKfroGc30FL7tFq';

interface Received {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

for (const target of databaseTargets()) {
  describe(`tessera user invite (${target})`, () => {
    let h: Harness;
    let tessera: RunCli;
    before(async () => {
      h = await startHarness(target);
      tessera = cliRunner({ TESSERA_URL: h.baseUrl, TESSERA_ADMIN_TOKEN: ADMIN_TOKEN });
    });
    after(() => h?.close());

    test('staff invite a partner’s first owner, who is then one of the partner’s users', async () => {
      const run = await tessera(
        'user',
        'invite',
        '--partner',
        h.a.id,
        '--email',
        'owner@a-bank.example',
        '--role',
        'owner',
        '--json',
      );
      assert.equal(run.code, 0, run.stderr);
      const user = jsonOf(run);
      assert.match(String(user.id), /^usr_/);
      assert.equal(user.partner_id, h.a.id);
      assert.equal(user.email, 'owner@a-bank.example');
      assert.equal(user.role, 'owner');
      const users = await h.admin('GET', `/admin/v1/partners/${h.a.id}/users`);
      assert.deepEqual(users.body.data, [user]);
    });

    test('the same email twice is user.email_taken; an unknown partner is resource.not_found', async () => {
      await tessera(
        'user',
        'invite',
        '--partner',
        h.b.id,
        '--email',
        'dev@b-ins.example',
        '--role',
        'developer',
      );
      const again = await tessera(
        'user',
        'invite',
        '--partner',
        h.b.id,
        '--email',
        'dev@b-ins.example',
        '--role',
        'auditor',
      );
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^error: user\.email_taken: .+ \(request req_\w+\)\n$/);

      const unknown = await tessera(
        'user',
        'invite',
        '--partner',
        'ptn_00000000000000000000000',
        '--email',
        'x@y.example',
        '--role',
        'owner',
        '--json',
      );
      assert.equal(unknown.code, 1);
      assert.equal(jsonErrorOf(unknown).code, 'resource.not_found');
    });
  });
}

describe('tessera user invite, as the request it sends', () => {
  let server: Server;
  let received: Received[];
  let tessera: RunCli;
  before(async () => {
    received = [];
    server = createServer(async (request, response) => {
      const body = JSON.parse(await bodyOf(request)) as { email: string; role: string };
      received.push({
        method: request.method,
        url: request.url,
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body,
      });
      response.setHeader('content-type', 'application/json');
      response.setHeader('x-request-id', 'req_standin');
      if (body.email === 'taken@bank.example') {
        response.statusCode = 409;
        response.end(
          JSON.stringify({ code: 'user.email_taken', message: 'Already a user.', request_id: 'req_standin' }),
        );
        return;
      }
      response.statusCode = 201;
      response.end(JSON.stringify({ id: 'usr_1', partner_id: PARTNER, email: body.email, role: body.role }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    tessera = cliRunner({ TESSERA_URL: `http://127.0.0.1:${port}`, TESSERA_ADMIN_TOKEN: TOKEN });
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  test('posts {email, role} to the partner’s users and prints the created user as is', async () => {
    const run = await tessera(
      'user',
      'invite',
      '--partner',
      PARTNER,
      '--email',
      'ops@bank.example',
      '--role',
      'owner',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(jsonOf(run), {
      id: 'usr_1',
      partner_id: PARTNER,
      email: 'ops@bank.example',
      role: 'owner',
    });
    assert.deepEqual(received.at(-1), {
      method: 'POST',
      url: `/admin/v1/partners/${PARTNER}/users`,
      authorization: `Bearer ${TOKEN}`,
      contentType: 'application/json',
      body: { email: 'ops@bank.example', role: 'owner' },
    });
  });

  test('human output lists the user’s fields', async () => {
    const run = await tessera(
      'user',
      'invite',
      '--partner',
      PARTNER,
      '--email',
      'dev@bank.example',
      '--role',
      'developer',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^id\s+usr_1\n/);
    assert.match(run.stdout, /^role\s+developer$/m);
  });

  test('a refusal is exit 1 with the API’s code and request id', async () => {
    const run = await tessera(
      'user',
      'invite',
      '--partner',
      PARTNER,
      '--email',
      'taken@bank.example',
      '--role',
      'auditor',
      '--json',
    );
    assert.equal(run.code, 1);
    assert.deepEqual(jsonErrorOf(run), {
      code: 'user.email_taken',
      message: 'Already a user.',
      request_id: 'req_standin',
    });
  });
});

async function bodyOf(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
}
