// tessera audit export | verify | purge: the audit log as an auditor handles it. `export` downloads one
// partner's events for a period with its manifest and checks the file's SHA-256 against it; `verify FILE`
// checks an export offline (hashes, chain links, seals and their Ed25519 signatures); `verify --database`
// asks the server to check the whole log; `purge` removes expired, sealed ranges past retention.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type FileHandle, open, readFile, writeFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { PublicSigningKey } from '../../src/audit/signing-keys.ts';
import type { VerifyReport } from '../../src/audit/verify.ts';
import { isPublicKey, verifyExport } from '../../src/audit/verify-export.ts';
import { DEFAULT_URL, errorFromResponse, isObject, segment } from '../admin-client.ts';
import { UsageError } from '../args.ts';
import {
  type CommandContext,
  expectNoPositionals,
  expectOnePositional,
  respond,
  runGroup,
} from '../command.ts';
import { refuseOverwrite } from '../files.ts';
import { type CliError, type CliIo, writeError, writeJson, writeLines } from '../output.ts';
import { proveEvent, witness } from './audit-proof.ts';

export const AUDIT_USAGE = `Usage:
  tessera audit export --partner ID --from ISO --to ISO [--format jsonl|csv] --out FILE [--force] [--json]
  tessera audit export --platform --from ISO --to ISO [--format jsonl|csv] --out FILE [--force] [--json]
  tessera audit verify FILE [--manifest FILE] [--keys FILE | --keys-url HTTPS-URL] [--json]
  tessera audit proof --chain CHAIN_ID --event EVENT_ID [--tree-size N] [--json]
  tessera audit witness --url URL --key KEY [--state FILE] [--keys FILE | --keys-url HTTPS-URL] [--json]
  tessera audit verify --database [--json]
  tessera audit purge [--before ISO] [--json]

  export      writes FILE and FILE.manifest.json; fails if the file's SHA-256 differs from the manifest's
  --force     replace FILE and FILE.manifest.json if they exist (without it, export refuses)
  --platform  the platform chain (unauthenticated, unknown-key, unknown-route and staff requests)
  verify      offline: checks FILE against its signed manifest (default FILE.manifest.json) and proves against
              signed tree heads that it holds every event of its period (docs/audit-ledger.md §7.1). Only
              keys you give are trusted: --keys (a saved /.well-known/tessera-audit-keys.json) or --keys-url
              (fetched over HTTPS). Exit 0 verified, 1 failed, 3 unverified (no trusted keys given).
  proof       prints an event's inclusion proof against a signed tree head, and checks it
  witness     fetches a chain's latest signed head with a partner KEY, checks its signature and its
              consistency with the head kept in --state (default tessera-witness.json), then keeps it
  --database  asks the server to verify every chain in its database instead
  purge       removes whole sealed ranges older than the retention period (or than --before, if earlier)
  --url URL   server base URL (default: TESSERA_URL, then ${DEFAULT_URL})
  --token T   admin token (default: TESSERA_ADMIN_TOKEN; prefer the variable)
  --json      print one JSON object
`;

export function runAudit(args: string[], io: CliIo): Promise<number> {
  // `--database` is a switch of `verify` only; the shared parser knows only --json and --help as switches.
  const database = args[0] === 'verify' && args.includes('--database');
  const platform = args[0] === 'export' && args.includes('--platform');
  const rest = args.filter(
    (arg) => !(database && arg === '--database') && !(platform && arg === '--platform'),
  );
  return runGroup('audit', rest, io, AUDIT_USAGE, {
    export: {
      flags: ['partner', 'from', 'to', 'format', 'out'],
      switches: ['force'],
      run: (context) => exportEvents(context, platform),
    },
    verify: {
      flags: ['manifest', 'keys', 'keys-url'],
      run: (context) => (database ? verifyDatabase(context) : verifyFile(context)),
    },
    purge: { flags: ['before'], run: purge },
    proof: { flags: ['chain', 'event', 'tree-size'], run: proveEvent },
    witness: { flags: ['key', 'state', 'keys', 'keys-url'], run: witness },
  });
}

async function exportEvents(context: CommandContext, platform: boolean): Promise<number> {
  const { args, io } = context;
  expectNoPositionals(args);
  if (platform === (args.string('partner') !== undefined))
    throw new UsageError('give --partner ID or --platform');
  const query = new URLSearchParams({
    from: args.required('from'),
    to: args.required('to'),
    format: args.oneOf('format', ['jsonl', 'csv'] as const) ?? 'jsonl',
  });
  const out = args.required('out');
  const existing = await refuseOverwrite([out, `${out}.manifest.json`], args.flag('force'));
  if (existing) {
    writeError(io, existing, args.json);
    return 1;
  }
  const client = context.client();
  const path = platform
    ? '/admin/v1/audit/platform-events'
    : `/admin/v1/partners/${segment(args.required('partner'))}/audit-events`;

  const download = await fetchExport(context, `${path}?${query}`);
  if (!download.ok) {
    writeError(io, download.error, args.json);
    return 1;
  }
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(download.body, tap, createWriteStream(out));
  const sha256 = hash.digest('hex');

  const manifest = await client.get(`${path}/manifest?${query}`);
  if (!manifest.ok) {
    writeError(io, manifest.error, args.json);
    return 1;
  }
  await writeFile(`${out}.manifest.json`, `${JSON.stringify(manifest.body, null, 2)}\n`);
  if (manifest.body.sha256 !== sha256) {
    const message = `the downloaded file's SHA-256 ${sha256} differs from the manifest's; the log changed or the download broke`;
    writeError(io, { code: 'cli.export_mismatch', message, request_id: null }, args.json);
    return 1;
  }
  const summary = {
    file: out,
    manifest: `${out}.manifest.json`,
    sha256,
    event_count: manifest.body.event_count,
    chains: isObject(manifest.body.chains) ? Object.keys(manifest.body.chains) : [],
    seals: Array.isArray(manifest.body.seals) ? manifest.body.seals.length : 0,
  };
  if (args.json) writeJson(io, summary);
  else
    writeLines(io, [
      `Wrote ${out} (${summary.event_count} events, sha256 ${sha256})`,
      `Wrote ${summary.manifest}`,
    ]);
  return 0;
}

/** The export body as bytes: the JSON admin client cannot carry it, so this is a plain fetch. */
async function fetchExport(
  context: CommandContext,
  path: string,
): Promise<{ ok: true; body: Readable } | { ok: false; error: CliError }> {
  context.client(); // validates --url/--token exactly as every other command does
  const base = (context.args.url ?? context.io.env.TESSERA_URL?.trim() ?? DEFAULT_URL).replace(/\/+$/, '');
  const token = context.args.token ?? (context.io.env.TESSERA_ADMIN_TOKEN?.trim() || undefined);
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      redirect: 'manual',
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown';
    return {
      ok: false,
      error: {
        code: 'cli.connection_failed',
        message: `could not reach ${base} (${reason})`,
        request_id: null,
      },
    };
  }
  if (!response.ok || response.body === null) {
    return { ok: false, error: errorFromResponse(response, await response.json().catch(() => ({})), base) };
  }
  return { ok: true, body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) };
}

async function verifyFile(context: CommandContext): Promise<number> {
  const { args, io } = context;
  const file = expectOnePositional(args, 'FILE');
  const manifestPath = args.string('manifest') ?? `${file}.manifest.json`;
  if (args.string('keys') !== undefined && args.string('keys-url') !== undefined)
    throw new UsageError('use --keys or --keys-url, not both');
  const input = await openInput(io, file, args.json);
  if (!input) return 1;
  try {
    const manifestText = await readInput(io, manifestPath, args.json);
    if (!manifestText) return 1;
    const manifest = parseJson(manifestText.toString('utf8'));
    const keys = await trustedKeys(context);
    if (!keys.ok) {
      writeError(io, keys.error, args.json);
      return 1;
    }
    // Streamed: an export of any size is verified in constant memory.
    const chunks = input.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: false });
    const report = await verifyExport(chunks, manifest, keys.keys).catch((error: unknown) => {
      if (isSystemError(error)) return undefined;
      throw error;
    });
    if (!report) {
      writeError(io, unreadable(file), args.json);
      return 1;
    }
    const verdict = keys.source === undefined ? 'unverified' : report.ok ? 'verified' : 'failed';
    return printReport(io, args.json, {
      verdict,
      file,
      manifest: manifestPath,
      keys_source: keys.source ?? null,
      ...report,
    });
  } finally {
    await input.close();
  }
}

async function verifyDatabase(context: CommandContext): Promise<number> {
  expectNoPositionals(context.args);
  const result = await context.client().get('/admin/v1/audit/verify');
  if (!result.ok) return respond(context, result, () => []);
  return printReport(context.io, context.args.json, result.body as unknown as VerifyReport);
}

async function purge(context: CommandContext): Promise<number> {
  expectNoPositionals(context.args);
  const before = context.args.string('before');
  const result = await context.client().post('/admin/v1/audit/purge', before === undefined ? {} : { before });
  return respond(context, result, (body) => {
    const chains = Array.isArray(body.chains) ? body.chains.filter(isObject) : [];
    if (chains.length === 0) return [`Nothing to purge before ${body.before}.`];
    return [
      `Removed ${body.events_removed} events recorded before ${body.before}:`,
      ...chains.map(
        (c) => `  ${c.chain_id}: positions ${c.purged_from_chain_seq}–${c.purged_through_chain_seq}`,
      ),
    ];
  });
}

type KeysResult =
  | { ok: true; keys: PublicSigningKey[]; source: string | undefined }
  | { ok: false; error: { code: string; message: string; request_id: null } };

/** Only keys the user names are trusted; the copy inside a manifest never is (docs/audit-ledger.md §5). */
export async function trustedKeys(context: CommandContext): Promise<KeysResult> {
  const keysFile = context.args.string('keys');
  const keysUrl = context.args.string('keys-url');
  const unreadable = (from: string): KeysResult => ({
    ok: false,
    error: { code: 'cli.keys_unreadable', message: `cannot read keys from ${from}`, request_id: null },
  });
  if (keysFile !== undefined) {
    const text = await readFile(keysFile, 'utf8').catch(() => undefined);
    const keys = keysOf(text === undefined ? undefined : parseJson(text));
    return keys ? { ok: true, keys, source: keysFile } : unreadable(keysFile);
  }
  if (keysUrl !== undefined) {
    if (!keysUrl.startsWith('https://')) throw new UsageError('--keys-url must be an https:// URL');
    const body = await fetch(keysUrl, { redirect: 'error' })
      .then((r) => (r.ok ? r.json() : undefined))
      .catch(() => undefined);
    const keys = keysOf(body);
    return keys ? { ok: true, keys, source: keysUrl } : unreadable(keysUrl);
  }
  return { ok: true, keys: [], source: undefined };
}

function keysOf(value: unknown): PublicSigningKey[] | undefined {
  if (!isObject(value) || !Array.isArray(value.keys)) return undefined;
  return value.keys.filter(isPublicKey);
}

function printReport(
  io: CliIo,
  json: boolean,
  report: VerifyReport & { verdict?: string; file?: string; manifest?: string; keys_source?: string | null },
): number {
  if (report.verdict === 'unverified') {
    if (json) writeJson(io, report);
    else
      writeLines(io, [
        'UNVERIFIED: no trusted keys were given (--keys FILE or --keys-url HTTPS-URL); keys inside a manifest are never trusted',
      ]);
    return 3;
  }
  if (json) {
    writeJson(io, report);
  } else {
    const sealed = Object.entries(report.sealed_through ?? {}).map(
      ([chain, seq]) => `  ${chain} sealed through ${seq}`,
    );
    const problems = (report.problems ?? []).map(
      (p) => `  ${p.chain_id ?? '(file)'}${p.chain_seq ? `#${p.chain_seq}` : ''}: ${p.problem}: ${p.message}`,
    );
    const source = typeof report.keys_source === 'string' ? [`keys: ${report.keys_source}`] : [];
    writeLines(io, [
      report.ok
        ? `OK: ${report.events} events in ${report.chains} chains verified`
        : `TAMPERED: ${report.problems.length} problems in ${report.events} events`,
      ...problems,
      ...sealed,
      ...source,
    ]);
  }
  return report.ok === true ? 0 : 1;
}

async function readInput(io: CliIo, path: string, json: boolean): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    writeError(io, unreadable(path), json);
    return undefined;
  }
}

const READ_CHUNK_BYTES = 2 ** 20;

/** An open regular file (or pipe) to stream; a directory or a missing file is reported as unreadable. */
async function openInput(io: CliIo, path: string, json: boolean): Promise<FileHandle | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle && !(await handle.stat()).isDirectory()) return handle;
  await handle?.close();
  writeError(io, unreadable(path), json);
  return undefined;
}

/** A failure of the operating system (a read error), as opposed to a fault of the verifier's own. */
function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

function unreadable(path: string): CliError {
  return { code: 'cli.file_unreadable', message: `cannot read ${path}`, request_id: null };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
