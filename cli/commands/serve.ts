// tessera serve: what `npm start` runs. Configured by environment variables only (see README), so the same
// command works under systemd, in a container and on a laptop.

import type { DestinationStream } from 'pino';
import { createTessera, type Tessera } from '../../src/app.ts';
import { type Config, ConfigError, loadConfig } from '../../src/config.ts';
import { shutDownGracefully } from '../../src/lifecycle/shutdown.ts';
import { createLogger } from '../../src/log.ts';
import { parseCommandArgs, UsageError, wantsJson } from '../args.ts';
import { usageError } from '../command.ts';
import { type CliIo, writeError, writeJson } from '../output.ts';

export const SERVE_USAGE = `Usage:
  tessera serve [--gateway FILE] [--json]

  Runs Tessera. Configuration comes from the environment: HOST and PORT (default 127.0.0.1:8080),
  TESSERA_DATA_DIR or DATABASE_URL, TESSERA_ADMIN_TOKEN, TESSERA_TLS_CERT/TESSERA_TLS_KEY, … (see README).
  --gateway FILE   put Tessera in front of existing APIs (same as TESSERA_GATEWAY_CONFIG=FILE)
  --json           announce the listening URL (and a generated admin token) as one JSON object
`;

export async function runServe(argv: string[], io: CliIo): Promise<number> {
  const json = wantsJson(argv);
  let config: Config;
  try {
    const args = parseCommandArgs(argv, ['gateway']);
    if (args.help) {
      io.stdout.write(SERVE_USAGE);
      return 0;
    }
    if (args.positionals.length > 0 || args.url !== undefined || args.token !== undefined) {
      throw new UsageError('tessera serve takes no arguments; it is configured by environment variables');
    }
    const gateway = args.string('gateway');
    config = loadConfig(gateway === undefined ? io.env : { ...io.env, TESSERA_GATEWAY_CONFIG: gateway });
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, SERVE_USAGE, error.message, json);
    if (error instanceof ConfigError) return configError(io, error, json);
    throw error;
  }

  let tessera: Tessera;
  try {
    tessera = await createTessera(config);
  } catch (error) {
    if (error instanceof ConfigError) return configError(io, error, json);
    throw error;
  }
  // Listening for signals before announcing: whoever reads the announcement may signal at once.
  const shutdown = shutdownSignal();
  let url: string;
  try {
    url = await tessera.listen();
  } catch (error) {
    shutdown.cancel();
    await tessera.close();
    const message = error instanceof Error ? error.message : String(error);
    writeError(io, { code: 'serve.listen_failed', message, request_id: null }, json);
    return 1;
  }
  announce(io, url, tessera.generatedAdminToken, json);
  const signal = await shutdown.received;
  if (!json) io.stderr.write(`${signal} received, closing…\n`);
  await shutDownGracefully(
    { drain: () => tessera.readiness.drain(), close: () => tessera.close() },
    // SIGTERM comes from an orchestrator whose balancers need time to notice; Ctrl-C from a person.
    { delayMs: signal === 'SIGTERM' ? config.shutdownDelayMs : 0 },
  );
  return 0;
}

/**
 * Without --json, stdout is the server's JSON log stream, so the announcement is one more JSON line there
 * (printed even when logs are silenced: it is the answer to "where is it?"). A generated admin token never
 * enters that stream, which is shipped to log stores: it goes to stderr, for the operator, this once.
 */
function announce(io: CliIo, url: string, generatedAdminToken: string | undefined, json: boolean): void {
  if (json) {
    writeJson(
      io,
      generatedAdminToken === undefined ? { url } : { url, generated_admin_token: generatedAdminToken },
    );
    return;
  }
  createLogger('info', io.stdout as DestinationStream).info(
    { event: 'server.listening', url, admin_token_generated: generatedAdminToken !== undefined },
    `Tessera listening on ${url}`,
  );
  if (generatedAdminToken === undefined) return;
  io.stderr.write(
    [
      '',
      'TESSERA_ADMIN_TOKEN is not set, so an admin token was generated. It is shown this once and stored',
      'only as a hash; Tessera cannot show it again. Keep it in your secret manager:',
      '',
      `  ${generatedAdminToken}`,
      '',
      'The tessera CLI reads it from TESSERA_ADMIN_TOKEN.',
      '',
    ].join('\n'),
  );
}

function configError(io: CliIo, error: ConfigError, json: boolean): number {
  writeError(io, { code: 'config.invalid', message: error.message, request_id: null }, json);
  return 1;
}

/**
 * The first SIGINT or SIGTERM, so in-flight requests finish and the audit log drains before exit. The
 * handlers are removed at once: a second signal while closing takes Node's default action and ends it.
 */
function shutdownSignal(): { received: Promise<NodeJS.Signals>; cancel(): void } {
  let stop: (signal: NodeJS.Signals) => void = () => {};
  const cancel = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  const received = new Promise<NodeJS.Signals>((resolve) => {
    stop = (signal) => {
      cancel();
      resolve(signal);
    };
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { received, cancel };
}
