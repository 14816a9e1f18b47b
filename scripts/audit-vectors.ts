// Generates docs/audit-ledger-vectors.json: events → canonical forms → hashes → leaves → roots →
// inclusion and consistency proofs → signed tree heads → a CSV and a JSONL export → a signed manifest,
// all under a fixed Ed25519 test key (never use it for anything else). Deterministic: run it again and
// the file must not change (test/audit/vectors.test.ts checks that).
//   node --import tsx scripts/audit-vectors.ts > docs/audit-ledger-vectors.json
import { createHash, createPrivateKey } from 'node:crypto';
import { canonicalForm, eventHash, GENESIS_HASH, type HashedFields } from '../src/audit/chain.ts';
import type { ChainedAuditEvent } from '../src/audit/event.ts';
import { exportHeader, exportLine } from '../src/audit/export-format.ts';
import { manifestMessage, signManifest } from '../src/audit/manifest-signature.ts';
import { consistencyProof, eventLeafHash, inclusionProof, rootOf } from '../src/audit/merkle.ts';
import { signingKeyFromPem } from '../src/audit/signing-keys.ts';
import { signTreeHead, treeHeadMessage } from '../src/audit/tree-head.ts';

const SEED = createHash('sha256').update('tessera audit ledger test vector key').digest();
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const pem = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, SEED]), format: 'der', type: 'pkcs8' })
  .export({ type: 'pkcs8', format: 'pem' })
  .toString();
const key = signingKeyFromPem(pem);

const PARTNER = 'ptn_0VectorsVectorsVector0';
const CHAIN = `${PARTNER}/live`;
const base = Date.parse('2026-01-31T23:59:58.000Z');

type Variant = Partial<HashedFields>;
const variants: Variant[] = [
  { action: 'api.request', method: 'GET', path: '/v1/me', status: 200, latency_ms: 3, user_agent: 'curl/8.5.0' },
  { action: 'api.request', method: 'POST', path: '/v1/bookings', status: 400, error_code: 'request.invalid', latency_ms: 12.5, user_agent: '=1+2' },
  { action: 'api.request', method: 'GET', path: '/v1/quotes?x="a,b"', status: 401, error_code: 'auth.key.invalid', user_agent: 'Zürich "quoted", comma\r\nnewline', latency_ms: 0.1 },
  { action: 'key.created', actor_type: 'admin', actor_id: 'admin', detail: { key_id: 'key_0VectorsVectorsVector0', scopes: ['audit:read', 'bookings:write'], note: '' } },
  { action: 'api.request', method: 'GET', path: '/v1/me', status: 200, user_agent: '', client_ip: '2001:db8::1', latency_ms: 1e-7 },
  { action: 'api.request', method: 'GET', path: '/v1/me', status: 429, error_code: 'rate_limit.exceeded', user_agent: "'quoted already", latency_ms: 250 },
  { action: 'api.request', method: 'DELETE', path: '/v1/bookings/bkg_1', status: 204, user_agent: '-minus @at +plus', latency_ms: 1e21 },
];

const events: ChainedAuditEvent[] = [];
let prev = GENESIS_HASH;
variants.forEach((variant, index) => {
  const recorded = new Date(base + index * 1000).toISOString();
  const fields: HashedFields = {
    id: `evt_0Vector${String(index + 1).padStart(16, '0')}`,
    chain_id: CHAIN,
    chain_seq: String(index + 1),
    recorded_at: recorded,
    occurred_at: new Date(base + index * 1000 - 7).toISOString(),
    request_id: `req_vector_${index + 1}`,
    partner_id: PARTNER,
    environment: 'live',
    actor_type: 'key',
    actor_id: 'Vect0rAb',
    action: 'api.request',
    method: null,
    path: null,
    status: null,
    error_code: null,
    client_ip: '203.0.113.7',
    user_agent: null,
    latency_ms: null,
    detail: null,
    ...variant,
  };
  const hash = eventHash(prev, fields);
  events.push({ seq: String(100 + index), ...fields, prev_hash: prev, hash });
  prev = hash;
});

const leaves = events.map((e) => eventLeafHash(e.hash));
const hex = (b: Buffer) => b.toString('hex');
const sizes = leaves.map((_, i) => i + 1);
const timestamp = '2026-02-01T00:00:10.000Z';
const heads = sizes.map((size) =>
  signTreeHead(key, { chain_id: CHAIN, tree_size: String(size), root_hash: hex(rootOf(leaves.slice(0, size))), timestamp }),
);
const head = heads.at(-1);

// The export of 2026-01-31T23:59:59Z .. 2026-02-01T00:00:04Z: events 2..6; event 1 is before, 7 after.
const from = '2026-01-31T23:59:59.000Z';
const to = '2026-02-01T00:00:04.000Z';
const period = events.filter((e) => e.recorded_at >= from && e.recorded_at < to);
const jsonl = period.map((e) => exportLine(e, 'jsonl')).join('');
const csv = exportHeader('csv') + period.map((e) => exportLine(e, 'csv')).join('');
const manifestFor = (format: 'jsonl' | 'csv', text: string) =>
  signManifest(
    key,
    {
      version: 'tessera-audit-export-v2',
      format,
      from,
      to,
      sha256: createHash('sha256').update(text).digest('hex'),
      event_count: period.length,
      scope: { partner_id: PARTNER, chain_ids: [CHAIN] },
      proofs: {
        [CHAIN]: {
          events: period.length,
          before: events[0],
          after: events[6],
          tree_head: head,
          anchor_proof: inclusionProof(leaves, 6, leaves.length).map(hex),
        },
      },
    },
    '2026-02-01T00:00:11.000Z',
  );
const jsonlManifest = manifestFor('jsonl', jsonl);

const vectors = {
  description: 'Test vectors for docs/audit-ledger.md. The key is a published test key: trust it for nothing else.',
  key: { private_key_pkcs8_pem: pem, public_key_spki_der_base64: key.publicKey, key_id: key.keyId },
  keys_document: { keys: [{ key_id: key.keyId, algorithm: 'Ed25519', public_key: key.publicKey, created_at: '2026-01-01T00:00:00.000Z', valid_from: '2026-01-01T00:00:00.000Z', valid_until: null }] },
  genesis_hash: GENESIS_HASH,
  events: events.map((event) => {
    const { seq: _s, prev_hash: _p, hash: _h, ...fields } = event;
    return { event, canonical_form: canonicalForm(fields), hash: event.hash, leaf_hash: hex(eventLeafHash(event.hash)) };
  }),
  empty_tree_root: hex(rootOf([])),
  roots: sizes.map((size) => ({ tree_size: size, root_hash: hex(rootOf(leaves.slice(0, size))) })),
  inclusion_proofs: sizes.flatMap((size) =>
    sizes.filter((s) => s <= size).map((seq) => ({ chain_seq: seq, tree_size: size, audit_path: inclusionProof(leaves, seq - 1, size).map(hex) })),
  ),
  consistency_proofs: sizes.flatMap((second) =>
    sizes.filter((first) => first <= second).map((first) => ({ first, second, proof: consistencyProof(leaves, first, second).map(hex) })),
  ),
  tree_heads: heads.map((h) => {
    const { signature: _sig, ...unsigned } = h;
    return { tree_head: h, signed_message: treeHeadMessage(unsigned).toString('utf8') };
  }),
  export: {
    from,
    to,
    jsonl,
    csv,
    jsonl_manifest: jsonlManifest,
    jsonl_manifest_signed_message: manifestMessage(jsonlManifest).toString('utf8'),
    csv_manifest: manifestFor('csv', csv),
  },
};
process.stdout.write(`${JSON.stringify(vectors, null, 2)}\n`);
