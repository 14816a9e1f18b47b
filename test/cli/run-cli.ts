// Runs the tessera CLI in-process with captured output, and checks on every run that the admin token it
// was given appears in none of that output.
import assert from 'node:assert/strict';
import { main } from '../../cli/main.ts';
import type { CliIo } from '../../cli/output.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export type RunCli = (...argv: string[]) => Promise<CliRun>;

export function cliRunner(env: Record<string, string | undefined>): RunCli {
  return async (...argv) => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env,
    };
    const code = await main(argv, io);
    for (const secret of [env.TESSERA_ADMIN_TOKEN, tokenFlag(argv)]) {
      if (secret) assert.ok(!`${stdout}${stderr}`.includes(secret), 'the admin token is never printed');
    }
    return { code, stdout, stderr };
  };
}

/** The one JSON object a --json run printed on stdout (or, for a failure, on stderr). */
export function jsonOf(run: CliRun): Record<string, unknown> {
  const text = run.code === 0 ? run.stdout : run.stderr;
  const value: unknown = JSON.parse(text);
  assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), 'one JSON object');
  return value as Record<string, unknown>;
}

/** The `{error: {code, message, request_id}}` of a failed --json run, with nothing on stdout. */
export function jsonErrorOf(run: CliRun): { code: string; message: string; request_id: string | null } {
  assert.equal(run.stdout, '');
  const body = JSON.parse(run.stderr) as {
    error: { code: string; message: string; request_id: string | null };
  };
  assert.equal(typeof body.error.code, 'string');
  assert.equal(typeof body.error.message, 'string');
  return body.error;
}

function tokenFlag(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--token');
  return at === -1 ? undefined : argv[at + 1];
}
