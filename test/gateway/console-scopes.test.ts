// The console's key form offers every valid key scope: the built-in ones and those the gateway's routes
// declare (a key for a gateway route must be creatable from the console, not only from the CLI).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsoleSession } from '../../src/console/auth/sessions.ts';
import { keyForm } from '../../src/console/pages/key-parts.ts';
import { addGatewayScopes } from '../../src/keys/scopes.ts';

test("the console's key form offers the scopes gateway routes declare", () => {
  addGatewayScopes(['accounts:read', 'transfers:write']);
  const page = keyForm({ csrfToken: 'csrf' } as ConsoleSession, 'test').toString();
  for (const scope of ['bookings:read', 'accounts:read', 'transfers:write']) {
    assert.match(page, new RegExp(`name="scopes" value="${scope}"`), scope);
  }
  assert.match(page, /value="accounts:read" checked/, 'read scopes start checked');
  assert.doesNotMatch(page, /value="transfers:write" checked/, 'write scopes are a deliberate choice');
});
