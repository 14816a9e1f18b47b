// Files the CLI writes. An export is evidence: overwriting an earlier one by a mistyped --out would lose
// it, so an existing file is replaced only when the user says so with --force.
import { access } from 'node:fs/promises';
import type { CliError } from './output.ts';

/** The error to report when one of `paths` exists and `force` is not given; undefined when writing may go on. */
export async function refuseOverwrite(
  paths: readonly string[],
  force: boolean,
): Promise<CliError | undefined> {
  if (force) return undefined;
  for (const path of paths) {
    if (await exists(path)) {
      const message = `${path} already exists; choose another --out, or add --force to replace it`;
      return { code: 'cli.file_exists', message, request_id: null };
    }
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
