// tessera audit proof | witness. `proof` asks the server for an event's inclusion proof and checks it;
// `witness` keeps the last signed tree head of a partner's chain in a state file and accepts a newer one
// only with a valid signature and a consistency proof from the kept one (src/audit/witness.ts).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { eventLeafHash, verifyInclusion } from '../../src/audit/merkle.ts';
import type { PublicSigningKey } from '../../src/audit/signing-keys.ts';
import { isTreeHead, type TreeHead } from '../../src/audit/tree-head.ts';
import { checkAgainstKept } from '../../src/audit/witness.ts';
import { DEFAULT_URL, isObject, segment } from '../admin-client.ts';
import { UsageError } from '../args.ts';
import { type CommandContext, expectNoPositionals, respond } from '../command.ts';
import { writeError, writeJson, writeLines } from '../output.ts';
import { trustedKeys } from './audit.ts';

export async function proveEvent(context: CommandContext): Promise<number> {
  const { args } = context;
  expectNoPositionals(args);
  const event = args.required('event');
  const size = args.string('tree-size');
  const query = size === undefined ? '' : `?${new URLSearchParams({ tree_size: size })}`;
  const result = await context.client().get(`/admin/v1/audit-events/${segment(event)}/proof${query}`);
  if (!result.ok) return respond(context, result, () => []);
  const body = result.body;
  const head = body.tree_head;
  const path = Array.isArray(body.audit_path) ? body.audit_path.filter((p) => typeof p === 'string') : [];
  const included =
    isTreeHead(head) &&
    typeof body.hash === 'string' &&
    verifyInclusion(
      eventLeafHash(body.hash),
      Number(body.chain_seq) - 1,
      Number(head.tree_size),
      path.map((p) => Buffer.from(p, 'hex')),
      Buffer.from(head.root_hash, 'hex'),
    );
  const report = { ...body, included };
  if (args.json) writeJson(context.io, report);
  else
    writeLines(context.io, [
      `${event} at ${String(body.chain_id)}#${String(body.chain_seq)}: ${included ? 'included' : 'NOT included'} in the tree of ${isTreeHead(head) ? head.tree_size : '?'} leaves`,
    ]);
  return included ? 0 : 1;
}

interface WitnessState {
  heads: Record<string, TreeHead>;
  /** Keys pinned on first use when none were given. */
  keys?: PublicSigningKey[];
}

export async function witness(context: CommandContext): Promise<number> {
  const { args, io } = context;
  expectNoPositionals(args);
  const key = args.string('key') ?? io.env.TESSERA_API_KEY?.trim();
  if (!key) throw new UsageError('give --key KEY (or TESSERA_API_KEY): a partner key with audit:read');
  const base = (args.url ?? io.env.TESSERA_URL?.trim() ?? DEFAULT_URL).replace(/\/+$/, '');
  const stateFile = args.string('state') ?? 'tessera-witness.json';
  const state = await readState(stateFile);
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${key}` },
      redirect: 'error',
    });
    return { ok: response.ok, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const given = await trustedKeys(context);
  if (!given.ok) {
    writeError(io, given.error, args.json);
    return 1;
  }
  let keys = given.source === undefined ? state.keys : given.keys;
  if (!keys) {
    const published = await get('/.well-known/tessera-audit-keys.json');
    keys = Array.isArray(published.body.keys) ? (published.body.keys as PublicSigningKey[]) : [];
    state.keys = keys; // trust on first use, said so below
  }
  const latest = await get('/v1/audit/tree-head');
  if (!latest.ok || !isTreeHead(latest.body)) {
    writeError(
      io,
      { code: 'cli.unexpected_response', message: `no signed tree head from ${base}`, request_id: null },
      args.json,
    );
    return 1;
  }
  const head = latest.body;
  const kept = state.heads[head.chain_id];
  let proof: string[] | undefined = [];
  if (kept && kept.tree_size !== head.tree_size) {
    const q = new URLSearchParams({ first: kept.tree_size, second: head.tree_size });
    const consistency = await get(`/v1/audit/consistency?${q}`);
    proof = Array.isArray(consistency.body.proof) ? (consistency.body.proof as string[]) : undefined;
  }
  const verdict = checkAgainstKept(kept, head, proof, keys);
  const report = {
    chain_id: head.chain_id,
    kept: kept?.tree_size ?? null,
    latest: head.tree_size,
    ...verdict,
  };
  if (verdict.ok) {
    state.heads[head.chain_id] = head;
    await writeState(stateFile, state);
  }
  if (args.json) writeJson(io, report);
  else
    writeLines(io, [
      verdict.ok
        ? `OK: ${head.chain_id} now at ${head.tree_size} leaves (kept ${kept?.tree_size ?? 'nothing'} before)`
        : `FORK: ${verdict.problem}: ${verdict.message}`,
      ...(given.source === undefined
        ? ['keys: pinned from the server on first use; pass --keys to choose them']
        : []),
    ]);
  return verdict.ok ? 0 : 1;
}

async function readState(file: string): Promise<WitnessState> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return { heads: {} };
  const value: unknown = JSON.parse(text);
  if (!isObject(value) || !isObject(value.heads)) throw new UsageError(`${file} is not a witness state file`);
  const heads = Object.fromEntries(Object.entries(value.heads).filter(([, h]) => isTreeHead(h))) as Record<
    string,
    TreeHead
  >;
  return {
    heads,
    ...(Array.isArray(value.keys) ? { keys: value.keys as unknown as PublicSigningKey[] } : {}),
  };
}

/** Written to a temporary file and renamed, so a crash never leaves half a state. */
async function writeState(file: string, state: WitnessState): Promise<void> {
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
