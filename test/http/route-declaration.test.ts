// Route security fails closed (issue 10, item 11): a partner or admin route, or a console page, that does
// not declare what it is cannot be registered, so the server refuses to start instead of serving it bare.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { createTessera, type Tessera } from '../../src/app.ts';
import type { ConsoleDeps } from '../../src/console/context.ts';
import { setUpConsoleScope } from '../../src/console/plugin.ts';
import { UndeclaredRouteError } from '../../src/http/route-table.ts';
import { createLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { testConfig } from '../support/harness.ts';

describe('a route without a declared security kind is a start-up error', () => {
  let database: TestDatabase;
  let tessera: Tessera;
  before(async () => {
    database = await createTestDatabase('pglite');
    tessera = await createTessera(testConfig(), { db: database.db, logger: createLogger('silent') });
  });
  after(async () => {
    await tessera?.close();
    await database?.drop();
  });

  for (const url of ['/v1/naked', '/admin/v1/naked']) {
    test(`${url} with no config.security is refused`, () => {
      assert.throws(() => tessera.app.get(url, async () => ({ ok: true })), UndeclaredRouteError);
    });
  }

  test('a declared route and a route outside the API surfaces are accepted', async () => {
    tessera.app.get('/v1/declared', { config: { security: { kind: 'read' } } }, async () => ({}));
    tessera.app.get('/healthz-extra', async () => ({}));
    await tessera.app.ready();
    const declared = tessera.app.routeTable.routes().find((r) => r.url === '/v1/declared');
    assert.equal(declared?.security?.kind, 'read');
  });
});

describe('a console page without an access level is a start-up error', () => {
  test('a page with no config.console is refused; the static assets are not pages', async () => {
    const app = Fastify();
    let refused: unknown;
    await app.register(
      async (scope) => {
        setUpConsoleScope(scope, {} as ConsoleDeps);
        try {
          scope.get('/secret-page', async () => 'no session check');
        } catch (error) {
          refused = error;
        }
      },
      { prefix: '/console' },
    );
    await app.ready();
    assert.match(String(refused), /declares no access level/);
    assert.equal((await app.inject('/console/assets/console.css')).statusCode, 200);
    await app.close();
  });
});
