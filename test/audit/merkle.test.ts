// The Merkle module against RFC 6962/9162's published test data (Certificate Transparency's eight leaves)
// and against docs/audit-ledger-vectors.json, which must also be exactly what the generator prints.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { canonicalForm, eventHash } from '../../src/audit/chain.ts';
import {
  appendLeaf,
  consistencyProof,
  consistencyRanges,
  eventLeafHash,
  frontierFromHex,
  frontierOf,
  frontierToHex,
  inclusionProof,
  inclusionRanges,
  leafHash,
  rootOf,
  rootOfFrontier,
  rootsOfRanges,
  verifyConsistency,
  verifyInclusion,
} from '../../src/audit/merkle.ts';
import { checkTreeHead } from '../../src/audit/tree-head.ts';

const VECTORS_FILE = new URL('../../docs/audit-ledger-vectors.json', import.meta.url);
const vectors = JSON.parse(readFileSync(VECTORS_FILE, 'utf8'));
const buf = (hex: string) => Buffer.from(hex, 'hex');

// certificate-transparency's merkle_tree_test: leaf inputs and the roots of their prefixes.
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('Merkle trees (RFC 9162 §2.1)', () => {
  const leaves = CT_LEAVES.map((hex) => leafHash(buf(hex)));

  test('roots match Certificate Transparency test data, and the empty tree is SHA-256 of nothing', () => {
    for (const [i, root] of CT_ROOTS.entries()) {
      assert.equal(rootOf(leaves.slice(0, i + 1)).toString('hex'), root);
    }
    assert.equal(
      rootOf([]).toString('hex'),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  test("a sequencer's frontier gives the CT roots, and the root of every size up to 70 leaves", () => {
    for (const [i, root] of CT_ROOTS.entries()) {
      assert.equal(rootOfFrontier(frontierOf(leaves.slice(0, i + 1))).toString('hex'), root);
    }
    const many = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from([i])));
    const frontier: Buffer[] = [];
    for (const [i, leaf] of many.entries()) {
      appendLeaf(frontier, BigInt(i), leaf);
      // One node per set bit of the size, and the same root as the tree built from every leaf.
      assert.equal(frontier.length, (i + 1).toString(2).replaceAll('0', '').length);
      assert.deepEqual(rootOfFrontier(frontier), rootOf(many.slice(0, i + 1)), `size ${i + 1}`);
    }
    assert.deepEqual(frontierFromHex(frontierToHex(frontier)), frontier);
    assert.equal(rootOfFrontier([]).toString('hex'), rootOf([]).toString('hex'));
  });

  test('proofs from leaves streamed once equal the RFC algorithms, for every size up to 40', async () => {
    const many = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from([i, 7])));
    for (let size = 1; size <= many.length; size++) {
      const tree = many.slice(0, size);
      for (let index = 0; index < size; index++) {
        const streamed = await rootsOfRanges(tree, size, inclusionRanges(index, size));
        assert.deepEqual(streamed, inclusionProof(tree, index, size), `inclusion ${index} of ${size}`);
      }
      for (let first = 1; first <= size; first++) {
        const streamed = await rootsOfRanges(tree, size, consistencyRanges(first, size));
        assert.deepEqual(streamed, consistencyProof(tree, first, size), `consistency ${first} → ${size}`);
      }
      // A leaf missing from the stream means no proof at all.
      assert.equal(await rootsOfRanges(tree.slice(0, -1), size, inclusionRanges(0, size)), undefined);
    }
  });

  test('every inclusion and consistency proof of every size verifies, and a changed one does not', () => {
    for (let size = 1; size <= 8; size++) {
      const root = rootOf(leaves.slice(0, size));
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(leaves, index, size);
        assert.ok(verifyInclusion(leaves[index] as Buffer, index, size, proof, root), `${index}/${size}`);
        const other = leaves[(index + 1) % 8] as Buffer;
        assert.equal(verifyInclusion(other, index, size, proof, root), false, 'another leaf is not included');
        if (proof.length > 0) {
          const bent = proof.map((p, i) => (i === 0 ? leafHash(p) : p));
          assert.equal(verifyInclusion(leaves[index] as Buffer, index, size, bent, root), false);
        }
      }
      for (let first = 1; first <= size; first++) {
        const proof = consistencyProof(leaves, first, size);
        const firstRoot = rootOf(leaves.slice(0, first));
        assert.ok(verifyConsistency(first, size, firstRoot, root, proof), `${first}→${size}`);
        if (first < size) {
          const otherFirst = rootOf([leafHash(Buffer.from('forged')), ...leaves.slice(1, first)]);
          assert.equal(
            verifyConsistency(first, size, otherFirst, root, proof),
            false,
            `forged ${first}→${size}`,
          );
        }
      }
    }
  });
});

describe('docs/audit-ledger-vectors.json', () => {
  test('is exactly what scripts/audit-vectors.ts generates', () => {
    const generated = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/audit-vectors.ts'], {
      encoding: 'utf8',
    });
    assert.equal(generated, readFileSync(VECTORS_FILE, 'utf8'));
  });

  test('events hash to their hashes, leaves, roots, proofs and signed heads all check', () => {
    const leaves: Buffer[] = [];
    for (const { event, canonical_form: canonical, hash, leaf_hash: leaf } of vectors.events) {
      const { seq: _seq, prev_hash: prev, hash: _hash, ...fields } = event;
      assert.equal(canonicalForm(fields), canonical);
      assert.equal(eventHash(prev, fields), hash);
      assert.equal(eventLeafHash(hash).toString('hex'), leaf);
      leaves.push(buf(leaf));
    }
    for (const { tree_size: size, root_hash: root } of vectors.roots) {
      assert.equal(rootOf(leaves.slice(0, size)).toString('hex'), root);
    }
    const rootOfSize = (size: number) => buf(vectors.roots[size - 1].root_hash);
    for (const p of vectors.inclusion_proofs) {
      const path = p.audit_path.map(buf);
      assert.ok(
        verifyInclusion(
          leaves[p.chain_seq - 1] as Buffer,
          p.chain_seq - 1,
          p.tree_size,
          path,
          rootOfSize(p.tree_size),
        ),
      );
    }
    for (const p of vectors.consistency_proofs) {
      assert.ok(
        verifyConsistency(p.first, p.second, rootOfSize(p.first), rootOfSize(p.second), p.proof.map(buf)),
      );
    }
    const trusted = vectors.keys_document.keys;
    for (const { tree_head: head } of vectors.tree_heads) assert.equal(checkTreeHead(head, trusted), 'ok');
    const forged = { ...vectors.tree_heads[0].tree_head, tree_size: '2' };
    assert.equal(checkTreeHead(forged, trusted), 'signature_invalid');
    assert.equal(checkTreeHead(vectors.tree_heads[0].tree_head, []), 'key_untrusted');
  });
});

describe('tools/verify-audit.py, written from docs/audit-ledger.md alone', () => {
  const ready = spawnSync('python3', ['-c', 'import cryptography']).status === 0;
  test('recomputes every vector: hashes, roots, proofs, signed heads and both example exports', {
    skip: ready ? false : 'python3 with cryptography is missing (apt-get install -y python3-cryptography)',
  }, () => {
    const run = spawnSync('python3', ['tools/verify-audit.py', 'vectors', 'docs/audit-ledger-vectors.json'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { ok: true, failures: [] });
  });
});
