import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorCatalogue } from '../../src/errors.ts';

test("the README's error table and the catalogue list the same codes with the same statuses", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const documented = new Map<string, number>();
  for (const match of readme.matchAll(/^\| `([a-z_.]+)` \| (\d{3}) \|/gm)) {
    documented.set(String(match[1]), Number(match[2]));
  }
  const catalogued = new Map(Object.entries(errorCatalogue).map(([code, entry]) => [code, entry.status]));
  assert.deepEqual(Object.fromEntries(documented), Object.fromEntries(catalogued));
});

test("the seed's codes are in the catalogue verbatim", () => {
  const seed = [
    'auth.api_key.missing',
    'auth.api_key.malformed',
    'auth.api_key.invalid',
    'auth.timestamp.missing',
    'auth.timestamp.skew',
    'auth.signature.missing',
    'auth.signature.invalid',
    'idempotency.key.required',
    'idempotency.key.conflict',
  ];
  for (const code of seed) assert.ok(Object.hasOwn(errorCatalogue, code), code);
});
