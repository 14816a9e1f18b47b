// The floor under any durable write: one WAL flush. PostgreSQL's pg_test_fsync times each sync method on
// one 8 kB write; the benchmark reports the method the server uses (wal_sync_method, fdatasync on Linux by
// default) and open_datasync beside it. It runs in a temporary directory; the output says whether that is
// on the filesystem of the server's data directory, without which the figure would not be its floor.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const DEBIAN_ROOT = '/usr/lib/postgresql';

export interface FsyncFloor {
  binary: string;
  sameFilesystem: 'yes' | 'no' | 'unknown';
  /** Per method of the "one 8kB write" section: operations per second and microseconds per operation. */
  methods: Map<string, { opsPerSecond: number; usecsPerOp: number }>;
}

function findBinary(): string | undefined {
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_ROOT).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(DEBIAN_ROOT, v, 'bin', 'pg_test_fsync')).find((path) => existsSync(path));
}

/** The "Compare file sync methods using one 8kB write" section of pg_test_fsync's output. */
export function parseOneWriteSection(output: string): FsyncFloor['methods'] {
  const methods: FsyncFloor['methods'] = new Map();
  const start = output.indexOf('using one 8kB write');
  if (start < 0) return methods;
  const end = output.indexOf('Compare', start + 1);
  const section = output.slice(start, end < 0 ? undefined : end);
  for (const match of section.matchAll(/^\s+(\w+)\s+([\d.]+) ops\/sec\s+(\d+) usecs\/op$/gm)) {
    const [, name, ops, usecs] = match;
    if (name) methods.set(name, { opsPerSecond: Number(ops), usecsPerOp: Number(usecs) });
  }
  return methods;
}

function sameFilesystem(dir: string, dataDirectory: string): FsyncFloor['sameFilesystem'] {
  try {
    return statSync(dir).dev === statSync(dataDirectory).dev ? 'yes' : 'no';
  } catch {
    return 'unknown';
  }
}

/** Runs pg_test_fsync for `secondsPerTest` per test; undefined when it is not installed. */
export async function measureFsyncFloor(
  secondsPerTest: number,
  dataDirectory: string,
): Promise<FsyncFloor | undefined> {
  const binary = findBinary();
  if (!binary) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'tessera-fsync-'));
  try {
    const { stdout } = await promisify(execFile)(binary, [
      '-s',
      String(secondsPerTest),
      '-f',
      join(dir, 'pg_test_fsync.out'),
    ]);
    return {
      binary,
      sameFilesystem: sameFilesystem(dir, dataDirectory),
      methods: parseOneWriteSection(stdout),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function describeFsync(floor: FsyncFloor | undefined, walSyncMethod: string): string {
  if (!floor) return `pg_test_fsync: not found under ${DEBIAN_ROOT}/*/bin, so no fsync floor was measured`;
  const method = (name: string) => {
    const figures = floor.methods.get(name);
    return figures
      ? `${name} ${(figures.usecsPerOp / 1000).toFixed(2)} ms/op (${Math.round(figures.opsPerSecond)} ops/s)`
      : `${name} n/a`;
  };
  const others = ['fdatasync', 'open_datasync'].filter((name) => name !== walSyncMethod);
  return (
    `fsync floor (${floor.binary}, one 8 kB write, same run): ${method(walSyncMethod)} — the server's ` +
    `wal_sync_method — and ${others.map(method).join(', ')}; test file on the filesystem of the server's ` +
    `data directory: ${floor.sameFilesystem}`
  );
}
