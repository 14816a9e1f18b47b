// Merkle trees over a chain's events, exactly as RFC 9162 §2.1 (Certificate Transparency 2.0) defines
// them: leaf hash SHA-256(0x00 || data), node hash SHA-256(0x01 || left || right), the split at the
// largest power of two below n, inclusion proofs (§2.1.3) and consistency proofs (§2.1.4). A leaf's data
// is the 32 raw bytes of the event's chain hash (docs/audit-ledger.md §3). Pure functions over leaf hashes;
// the verifiers are the RFC's own algorithms, and any malformed input makes them return false.
import { createHash, hash } from 'node:crypto';

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

// One-shot hashing (crypto.hash), no Hash object per node: the sequencer hashes two or so per event.
export function leafHash(data: Buffer): Buffer {
  return hash('sha256', Buffer.concat([LEAF_PREFIX, data]), 'buffer');
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

/** The leaf hash of an event, from its hex chain hash: 0x00 and the hash's bytes in one buffer. */
export function eventLeafHash(eventHashHex: string): Buffer {
  return hash('sha256', Buffer.from(`00${eventHashHex}`, 'hex'), 'buffer');
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes (already hashed with the 0x00 prefix). */
export function rootOf(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  return subtreeRoot(leaves, 0, leaves.length);
}

function subtreeRoot(leaves: readonly Buffer[], start: number, end: number): Buffer {
  const n = end - start;
  if (n === 1) return leaves[start] as Buffer;
  const k = split(n);
  return nodeHash(subtreeRoot(leaves, start, start + k), subtreeRoot(leaves, start + k, end));
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1: the inclusion proof of leaf index m in the first n leaves. */
export function inclusionProof(leaves: readonly Buffer[], index: number, size: number): Buffer[] {
  if (index < 0 || index >= size || size > leaves.length) throw new RangeError('no such leaf in that tree');
  return path(leaves, index, 0, size);
}

function path(leaves: readonly Buffer[], m: number, start: number, end: number): Buffer[] {
  const n = end - start;
  if (n === 1) return [];
  const k = split(n);
  if (m < k) return [...path(leaves, m, start, start + k), subtreeRoot(leaves, start + k, end)];
  return [...path(leaves, m - k, start + k, end), subtreeRoot(leaves, start, start + k)];
}

/** PROOF(m, D[n]) of RFC 9162 §2.1.4.1: proves the tree of size m is a prefix of the tree of size n. */
export function consistencyProof(leaves: readonly Buffer[], first: number, second: number): Buffer[] {
  if (first < 0 || first > second || second > leaves.length) throw new RangeError('no such tree sizes');
  if (first === 0 || first === second) return [];
  return subproof(leaves, first, 0, second, true);
}

function subproof(
  leaves: readonly Buffer[],
  m: number,
  start: number,
  end: number,
  whole: boolean,
): Buffer[] {
  const n = end - start;
  if (m === n) return whole ? [] : [subtreeRoot(leaves, start, end)];
  const k = split(n);
  if (m <= k) return [...subproof(leaves, m, start, start + k, whole), subtreeRoot(leaves, start + k, end)];
  return [...subproof(leaves, m - k, start + k, end, false), subtreeRoot(leaves, start, start + k)];
}

/** RFC 9162 §2.1.3.2: does `proof` show leaf `leaf` at `index` in the tree of `size` with `root`? */
export function verifyInclusion(
  leaf: Buffer,
  index: number,
  size: number,
  proof: readonly Buffer[],
  root: Buffer,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree (first, firstRoot) is a prefix of (second, secondRoot)? */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Buffer,
  secondRoot: Buffer,
  proof: readonly Buffer[],
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) {
    return false;
  }
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0;
  const path = [...proof];
  // When first is an exact power of two, its root is the first node of the path.
  if (Number.isInteger(Math.log2(first))) path.unshift(firstRoot);
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  const [head, ...rest] = path;
  if (!head) return false;
  let fr = head;
  let sr = head;
  for (const c of rest) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}

/**
 * A tree's right edge: the roots of the perfect subtrees its leaves split into, largest first (one per set
 * bit of the size). It is all a sequencer needs to append leaves and to compute the root, in O(log n).
 * `appendLeaf` changes `frontier` in place; `size` is the tree's size before the leaf.
 */
export function appendLeaf(frontier: Buffer[], size: bigint, leaf: Buffer): void {
  let node = leaf;
  // Each trailing 1 bit of the old size is a perfect subtree of the leaf's height: merge it in.
  for (let n = size; n & 1n; n >>= 1n) node = nodeHash(frontier.pop() as Buffer, node);
  frontier.push(node);
}

/** MTH of the tree whose right edge is `frontier`: RFC 9162's split is always at its largest subtree. */
export function rootOfFrontier(frontier: readonly Buffer[]): Buffer {
  let root = frontier.at(-1);
  if (!root) return createHash('sha256').digest();
  for (let i = frontier.length - 2; i >= 0; i--) root = nodeHash(frontier[i] as Buffer, root);
  return root;
}

export function frontierOf(leaves: readonly Buffer[]): Buffer[] {
  const frontier: Buffer[] = [];
  for (const [index, leaf] of leaves.entries()) appendLeaf(frontier, BigInt(index), leaf);
  return frontier;
}

/** A frontier as stored in audit_chain_heads.frontier: its nodes' hex, concatenated. */
export function frontierToHex(frontier: readonly Buffer[]): string {
  return frontier.map((node) => node.toString('hex')).join('');
}

/** Whether `frontier` can be the right edge of a tree of `size` leaves: one node per 1 bit of the size. */
export function frontierFits(frontier: readonly Buffer[], size: bigint): boolean {
  let ones = 0;
  for (let n = size; n > 0n; n >>= 1n) ones += Number(n & 1n);
  return frontier.length === ones;
}

export function frontierFromHex(text: string): Buffer[] {
  return (text.match(/[0-9a-f]{64}/g) ?? []).map((hex) => Buffer.from(hex, 'hex'));
}

/** The leaves [start, end) of a tree, whose MTH is one node of a proof. */
export interface LeafRange {
  start: number;
  end: number;
}

/** The nodes of PATH(index, D[size]) (§2.1.3.1) as leaf ranges, in proof order, computed without leaves. */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (index < 0 || index >= size) throw new RangeError('no such leaf in that tree');
  const outer: LeafRange[] = [];
  let [m, start, end] = [index, 0, size];
  while (end - start > 1) {
    const k = split(end - start);
    if (m < k) {
      outer.push({ start: start + k, end });
      end = start + k;
    } else {
      outer.push({ start, end: start + k });
      m -= k;
      start += k;
    }
  }
  return outer.reverse();
}

/** The nodes of PROOF(first, D[second]) (§2.1.4.1) as leaf ranges, in proof order. */
export function consistencyRanges(first: number, second: number): LeafRange[] {
  if (first < 0 || first > second) throw new RangeError('no such tree sizes');
  if (first === 0 || first === second) return [];
  const outer: LeafRange[] = [];
  let [m, start, end, whole] = [first, 0, second, true];
  while (m !== end - start) {
    const k = split(end - start);
    if (m <= k) {
      outer.push({ start: start + k, end });
      end = start + k;
    } else {
      outer.push({ start, end: start + k });
      m -= k;
      start += k;
      whole = false;
    }
  }
  const innermost = whole ? [] : [{ start, end }];
  return [...innermost, ...outer.reverse()];
}

/**
 * The MTH of each of `ranges` (disjoint, as a proof's are) from the `size` leaves of a tree streamed once in
 * order: memory O(log n) per range, whatever the tree's size. Undefined unless exactly `size` leaves come.
 */
export async function rootsOfRanges(
  leaves: Iterable<Buffer> | AsyncIterable<Buffer>,
  size: number,
  ranges: readonly LeafRange[],
): Promise<Buffer[] | undefined> {
  const byStart = ranges.map((range, order) => ({ ...range, order })).sort((a, b) => a.start - b.start);
  const roots: Buffer[] = new Array(ranges.length);
  let current = 0;
  let frontier: Buffer[] = [];
  let index = 0;
  for await (const leaf of leaves) {
    const range = byStart[current];
    if (range && index >= range.start) {
      appendLeaf(frontier, BigInt(index - range.start), leaf);
      if (index + 1 === range.end) {
        roots[range.order] = rootOfFrontier(frontier);
        frontier = [];
        current += 1;
      }
    }
    index += 1;
  }
  return index === size && current === byStart.length ? roots : undefined;
}
