// tessera logout: forgets the personal tokens kept by `tessera login`.
import { expectNoPositionals, runGroup } from '../command.ts';
import { credentialsPath, removeCredentials } from '../credentials.ts';
import { type CliIo, writeJson, writeLines } from '../output.ts';

export const LOGOUT_USAGE = `Usage:
  tessera logout [--json]

Deletes the tokens kept by tessera login (~/.config/tessera/credentials.json).
`;

export function runLogout(args: string[], io: CliIo): Promise<number> {
  const argv = args[0] === 'help' || args[0] === '--help' || args[0] === '-h' ? args : ['now', ...args];
  return runGroup('logout', argv, io, LOGOUT_USAGE, {
    now: {
      flags: [],
      run: async ({ args: parsed }) => {
        expectNoPositionals(parsed);
        const removed = removeCredentials(io.env);
        const path = credentialsPath(io.env) ?? '~/.config/tessera/credentials.json';
        if (parsed.json) writeJson(io, { signed_out: removed, credentials: path });
        else writeLines(io, [removed ? `Signed out; removed ${path}` : 'Not signed in.']);
        return 0;
      },
    },
  });
}
