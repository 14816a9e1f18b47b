// Placeholder until `tessera audit` (export, verify, purge) lands: every use is a usage error.
import type { CliIo } from '../output.ts';

export async function runAudit(_args: string[], io: CliIo): Promise<number> {
  io.stderr.write('error: tessera audit is not available in this build yet\n');
  return 2;
}
