// tessera gateway check FILE | routes. `check` validates a gateway configuration offline (no server, no
// database): the same parser the server runs at start, so what passes here starts there. `routes` asks a
// running node what it forwards.
import { GatewayConfigError, loadGatewayConfig } from '../../src/gateway/config.ts';
import {
  type CommandContext,
  dataOf,
  expectNoPositionals,
  expectOnePositional,
  respond,
  runGroup,
} from '../command.ts';
import { type CliIo, formatTable, writeError, writeJson, writeLines } from '../output.ts';

export const GATEWAY_USAGE = `Usage:
  tessera gateway check FILE [--json]
  tessera gateway routes [--json]

  check FILE       validate a gateway configuration (YAML or JSON) offline; exit 0 valid, 1 invalid
  routes           list the routes a running node forwards, with their upstream and scope
  --url URL        admin API base URL (default: TESSERA_URL, then http://127.0.0.1:8080)
  --token TOKEN    admin token (default: TESSERA_ADMIN_TOKEN; prefer the variable)
  --json           print one JSON object
`;

const DEFAULT_LEASE_MS = 60_000;

export function runGateway(args: string[], io: CliIo): Promise<number> {
  return runGroup('gateway', args, io, GATEWAY_USAGE, {
    check: { flags: [], run: checkConfig },
    routes: { flags: [], run: listRoutes },
  });
}

async function checkConfig(context: CommandContext): Promise<number> {
  const { args, io } = context;
  const file = expectOnePositional(args, 'FILE');
  const lease = Number(io.env.TESSERA_IDEMPOTENCY_LEASE_MS ?? DEFAULT_LEASE_MS);
  try {
    const config = loadGatewayConfig(file, {
      idempotencyLeaseMs: Number.isFinite(lease) ? lease : DEFAULT_LEASE_MS,
    });
    const routes = config.routes.map((route) => ({
      path: route.path,
      methods: route.methods,
      upstream: route.upstream.name,
      scope: route.scope,
    }));
    if (args.json) {
      writeJson(io, { valid: true, upstreams: [...config.upstreams.keys()], routes });
      return 0;
    }
    writeLines(io, [
      `${file}: valid (${config.upstreams.size} upstream(s), ${routes.length} route(s))`,
      ...formatTable(
        ['path', 'methods', 'upstream', 'scope'],
        routes.map((r) => [r.path, r.methods, r.upstream, r.scope]),
      ),
    ]);
    return 0;
  } catch (error) {
    if (!(error instanceof GatewayConfigError)) throw error;
    writeError(
      io,
      {
        code: 'gateway.config_invalid',
        message: error.message,
        request_id: null,
        details: [{ field: error.field, message: error.message }],
      },
      args.json,
    );
    return 1;
  }
}

async function listRoutes(context: CommandContext): Promise<number> {
  expectNoPositionals(context.args);
  const result = await context.client().get('/admin/v1/gateway/routes');
  return respond(context, result, (body) => {
    const routes = dataOf(body);
    if (routes.length === 0) return ['This node forwards no routes (no TESSERA_GATEWAY_CONFIG).'];
    return formatTable(
      ['path', 'methods', 'upstream', 'url', 'scope'],
      routes.map((r) => [r.path, r.methods, r.upstream, r.upstream_url, r.scope]),
    );
  });
}
