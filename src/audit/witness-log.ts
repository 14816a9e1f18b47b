// Each node appends every tree head it signs to TESSERA_AUDIT_WITNESS_DIR/tree-heads.jsonl, outside the
// database, after the head commits. Someone who rewrites the database (even with the signing key) cannot
// reach these copies, and `verify --database` checks the database's trees against them.
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTreeHead, type TreeHead } from './tree-head.ts';

const FILE = 'tree-heads.jsonl';

export async function appendWitnessHeads(dir: string, heads: readonly TreeHead[]): Promise<void> {
  const file = await open(join(dir, FILE), 'a', 0o644);
  try {
    await file.appendFile(heads.map((head) => `${JSON.stringify(head)}\n`).join(''));
    await file.sync();
  } finally {
    await file.close();
  }
}

/** The heads kept in the directory; a line that is not a head is skipped (a torn last write). */
export async function readWitnessHeads(dir: string): Promise<TreeHead[]> {
  let text: string;
  try {
    text = await readFile(join(dir, FILE), 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    throw error;
  }
  const heads: TreeHead[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isTreeHead(value)) heads.push(value);
    } catch {}
  }
  return heads;
}
