// Shared pieces of the fault tests: admin set-up against a running node, and a fetch that spreads the SDK's
// attempts over several nodes, so a retry after a failed node lands on another one.
import assert from 'node:assert/strict';
import { send } from '../support/client.ts';
import { ADMIN_TOKEN } from '../support/harness.ts';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

export async function createPartnerWithKey(baseUrl: string, environment: 'test' | 'live' = 'live') {
  const partner = await send(baseUrl, '/admin/v1/partners', {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'Fault-test partner' }),
  });
  assert.equal(partner.status, 201, partner.text);
  const key = await send(baseUrl, `/admin/v1/partners/${partner.body.id}/keys`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ environment }),
  });
  assert.equal(key.status, 201, key.text);
  return { partnerId: String(partner.body.id), key: String(key.body.key) };
}

/**
 * Sends each request to the next node in turn, so every retry of the SDK goes to a different node, and
 * counts the attempts that failed at the network level (a dead node).
 */
export function roundRobinFetch(baseUrls: readonly string[]): typeof fetch & { networkFailures: number } {
  let next = 0;
  const spread = Object.assign(
    async (input: string | URL | Request, init?: RequestInit) => {
      const original = new URL(input instanceof Request ? input.url : String(input));
      const target = new URL(baseUrls[next++ % baseUrls.length] ?? '');
      original.protocol = target.protocol;
      original.host = target.host;
      try {
        return await fetch(original, init);
      } catch (error) {
        spread.networkFailures++;
        throw error;
      }
    },
    { networkFailures: 0 },
  );
  return spread;
}

const DAY_MS = 86_400_000;

/**
 * A valid quote request, different for every n below 24,300. Two writes with the same body in the same
 * second carry the same signature, and the second is rightly refused as auth.signature.replayed, so load
 * loops must never repeat a body: the departure day alone wraps after 300.
 */
export function quoteParams(n: number) {
  const departure = new Date(Date.now() + (5 + (n % 300)) * DAY_MS).toISOString().slice(0, 10);
  return {
    origin: 'CMN',
    destination: 'LHR',
    departure_date: departure,
    passengers: { adults: 1 + (Math.floor(n / 300) % 9), children: Math.floor(n / 2_700) % 9 },
    cabin: 'economy' as const,
  };
}

export const traveller = { first_name: 'Amina', last_name: 'Haddad', birth_date: '1988-04-02' };
