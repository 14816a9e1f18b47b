// The only reader of process.env. Configuration is parsed and validated once at boot, then frozen and
// passed down, so a typo in a variable fails the start with a clear message instead of a request later.
import { resolve } from 'node:path';
import { parseCidr } from './net/cidr.ts';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly adminToken: string | undefined;
  readonly adminAllowlist: readonly string[];
  readonly trustedProxies: readonly string[];
  readonly logLevel: string;
  readonly keyCacheTtlMs: number;
  readonly argon2Concurrency: number;
  readonly authFailureLimit: number;
  readonly authFailureWindowMs: number;
  readonly rateLimitPerMinute: number;
  readonly redisUrl: string | undefined;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly auditSealIntervalMs: number;
  readonly auditRetentionDays: number;
  readonly bodyLimitBytes: number;
  /** How long a request body may take to arrive in full (a slow body holds a connection and a key slot). */
  readonly bodyTimeoutMs: number;
  readonly maxConcurrentPerKey: number;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly consoleUrl: string;
  readonly secretsKeys: readonly SecretsKey[];
  readonly unauthenticatedLimitPerMinute: number;
  readonly publicUrl: string;
  readonly gatewayConfigFile: string | undefined;
  readonly gatewaySigningKeyFile: string | undefined;
  readonly idempotencyLeaseMs: number;
  readonly idempotencyMaxResponseBytes: number;
  readonly adminTokenEnabled: boolean;
  readonly staffOidc: StaffOidcConfig | undefined;
  readonly approvalRateLimitAbove: number;
  readonly auditSigningKeyFile: string | undefined;
  readonly auditWitnessDir: string | undefined;
  readonly shutdownDelayMs: number;
  readonly shutdownTimeoutMs: number;
  readonly otlpEndpoint: string | undefined;
}

/** Staff single sign-on (issue 13); undefined when TESSERA_STAFF_OIDC_ISSUER is unset. */
export interface StaffOidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly redirectUrl: string | undefined;
  /** The `aud` staff access tokens must carry; defaults to the client id. */
  readonly audience: string;
  readonly acceptedAcr: readonly string[];
  readonly rolesClaim: string;
}

/** A key for encrypting secrets at rest (TOTP seeds): `kid:base64-of-32-bytes`; the first one is current. */
export interface SecretsKey {
  readonly id: string;
  readonly key: Buffer;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const config: Config = {
    host: text(env, 'HOST', '127.0.0.1'),
    port: integer(env, 'PORT', 8080, 0, 65535),
    dataDir: resolve(text(env, 'TESSERA_DATA_DIR', './.tessera')),
    databaseUrl: optional(env, 'DATABASE_URL'),
    adminToken: optional(env, 'TESSERA_ADMIN_TOKEN'),
    adminAllowlist: cidrList(env, 'TESSERA_ADMIN_ALLOWLIST', ['127.0.0.0/8', '::1/128']),
    trustedProxies: cidrList(env, 'TESSERA_TRUSTED_PROXIES', []),
    logLevel: oneOf(env, 'TESSERA_LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'silent']),
    keyCacheTtlMs: integer(env, 'TESSERA_KEY_CACHE_TTL_MS', 5_000, 0, 60_000),
    argon2Concurrency: integer(env, 'TESSERA_ARGON2_CONCURRENCY', 2, 1, 64),
    authFailureLimit: integer(env, 'TESSERA_AUTH_FAILURE_LIMIT', 10, 1, 1_000_000),
    authFailureWindowMs: integer(env, 'TESSERA_AUTH_FAILURE_WINDOW_MS', 60_000, 1_000, 86_400_000),
    rateLimitPerMinute: integer(env, 'TESSERA_RATE_LIMIT_PER_MINUTE', 6_000, 1, 10_000_000),
    redisUrl: optional(env, 'REDIS_URL'),
    tlsCert: optional(env, 'TESSERA_TLS_CERT'),
    tlsKey: optional(env, 'TESSERA_TLS_KEY'),
    tlsMinVersion: oneOf(env, 'TESSERA_TLS_MIN_VERSION', 'TLSv1.3', ['TLSv1.2', 'TLSv1.3']),
    auditSealIntervalMs: integer(env, 'TESSERA_AUDIT_SEAL_INTERVAL_MS', 10_000, 100, 86_400_000),
    auditRetentionDays: integer(env, 'TESSERA_AUDIT_RETENTION_DAYS', 2557, 1, 36_500),
    bodyLimitBytes: integer(env, 'TESSERA_BODY_LIMIT_BYTES', 64 * 1024, 1_024, 16 * 1024 * 1024),
    bodyTimeoutMs: integer(env, 'TESSERA_BODY_TIMEOUT_MS', 10_000, 50, 300_000),
    maxConcurrentPerKey: integer(env, 'TESSERA_MAX_CONCURRENT_PER_KEY', 64, 1, 100_000),
    smtpUrl: optional(env, 'TESSERA_SMTP_URL'),
    mailFrom: text(env, 'TESSERA_MAIL_FROM', 'Tessera <no-reply@localhost>'),
    consoleUrl: consoleUrl(env),
    secretsKeys: secretsKeys(env, 'TESSERA_SECRETS_KEYS'),
    unauthenticatedLimitPerMinute: integer(
      env,
      'TESSERA_UNAUTHENTICATED_LIMIT_PER_MINUTE',
      600,
      1,
      10_000_000,
    ),
    publicUrl: publicUrl(env),
    gatewayConfigFile: optional(env, 'TESSERA_GATEWAY_CONFIG'),
    gatewaySigningKeyFile: optional(env, 'TESSERA_GATEWAY_SIGNING_KEY_FILE'),
    idempotencyLeaseMs: integer(env, 'TESSERA_IDEMPOTENCY_LEASE_MS', 60_000, 1_000, 3_600_000),
    idempotencyMaxResponseBytes: integer(
      env,
      'TESSERA_IDEMPOTENCY_MAX_RESPONSE_BYTES',
      1_048_576,
      0,
      16_777_216,
    ),
    adminTokenEnabled: oneOf(env, 'TESSERA_ADMIN_TOKEN_ENABLED', 'true', ['true', 'false']) === 'true',
    staffOidc: staffOidc(env),
    approvalRateLimitAbove: integer(env, 'TESSERA_APPROVAL_RATE_LIMIT_ABOVE', 6_000, 1, 10_000_000),
    auditSigningKeyFile: optional(env, 'TESSERA_AUDIT_SIGNING_KEY_FILE'),
    auditWitnessDir: optional(env, 'TESSERA_AUDIT_WITNESS_DIR'),
    shutdownDelayMs: integer(env, 'TESSERA_SHUTDOWN_DELAY_MS', 5_000, 0, 600_000),
    shutdownTimeoutMs: integer(env, 'TESSERA_SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    otlpEndpoint: httpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
  };
  if (config.adminToken !== undefined && config.adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError(
      `TESSERA_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (it has ${config.adminToken.length}); ` +
        'generate one with: openssl rand -base64 32',
    );
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError('TESSERA_TLS_CERT and TESSERA_TLS_KEY must be set together.');
  }
  return Object.freeze(config);
}

// A shared bearer secret that anyone on the admin allowlist may guess at: 32 characters of a random token
// is at least ~190 bits, beyond reach even without the failure throttle.
const MIN_ADMIN_TOKEN_LENGTH = 32;

function staffOidc(env: Env): StaffOidcConfig | undefined {
  const issuer = optional(env, 'TESSERA_STAFF_OIDC_ISSUER');
  if (issuer === undefined) return undefined;
  if (!/^https?:\/\//.test(issuer)) {
    throw new ConfigError(`TESSERA_STAFF_OIDC_ISSUER must be an http(s) URL; got "${issuer}".`);
  }
  const clientId = optional(env, 'TESSERA_STAFF_OIDC_CLIENT_ID');
  if (clientId === undefined) {
    throw new ConfigError('TESSERA_STAFF_OIDC_CLIENT_ID is required with TESSERA_STAFF_OIDC_ISSUER.');
  }
  return Object.freeze({
    issuer,
    clientId,
    clientSecret: optional(env, 'TESSERA_STAFF_OIDC_CLIENT_SECRET'),
    redirectUrl: optional(env, 'TESSERA_STAFF_OIDC_REDIRECT_URL'),
    audience: text(env, 'TESSERA_STAFF_OIDC_AUDIENCE', clientId),
    acceptedAcr: Object.freeze(
      (optional(env, 'TESSERA_STAFF_OIDC_ACR') ?? '')
        .split(',')
        .map((value) => value.trim())
        .filter(Boolean),
    ),
    rolesClaim: text(env, 'TESSERA_STAFF_ROLES_CLAIM', 'groups'),
  });
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function text(env: Env, name: string, fallback: string): string {
  return optional(env, name) ?? fallback;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got "${raw}".`);
  }
  return Number(raw);
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}; got "${raw}".`);
  }
  return raw as T;
}

function cidrList(env: Env, name: string, fallback: string[]): readonly string[] {
  const raw = optional(env, name);
  if (raw === undefined) return Object.freeze(fallback);
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    try {
      parseCidr(entry, { allowAny: true });
    } catch (error) {
      throw new ConfigError(`${name}: ${(error as Error).message}`);
    }
  }
  return Object.freeze(entries);
}

function consoleUrl(env: Env): string {
  const raw = optional(env, 'TESSERA_CONSOLE_URL');
  if (raw === undefined) {
    const host = text(env, 'HOST', '127.0.0.1');
    return `http://${host.includes(':') ? `[${host}]` : host}:${integer(env, 'PORT', 8080, 0, 65535)}`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`TESSERA_CONSOLE_URL must be an absolute http(s) URL; got "${raw}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`TESSERA_CONSOLE_URL must be an absolute http(s) URL; got "${raw}".`);
  }
  return url.origin;
}

function secretsKeys(env: Env, name: string): readonly SecretsKey[] {
  const raw = optional(env, name);
  if (raw === undefined) return Object.freeze([]);
  const keys = raw.split(',').map((entry) => {
    const [id, material, extra] = entry.trim().split(':');
    const key = Buffer.from(material ?? '', 'base64');
    if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || extra !== undefined || key.length !== 32) {
      throw new ConfigError(`${name} entries must be "kid:<base64 of 32 bytes>"; one is not.`);
    }
    return Object.freeze({ id, key });
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new ConfigError(`${name} repeats a key id.`);
  return Object.freeze(keys);
}

/** The issuer of gateway assertions: Tessera's public base URL, as upstreams know it. */
function publicUrl(env: Env): string {
  const raw = optional(env, 'TESSERA_PUBLIC_URL');
  if (raw === undefined) return consoleUrl(env);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`TESSERA_PUBLIC_URL must be an absolute http(s) URL; got "${raw}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`TESSERA_PUBLIC_URL must be an absolute http(s) URL; got "${raw}".`);
  }
  return url.origin;
}

function httpUrl(env: Env, name: string): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw new ConfigError(`${name} must be an http(s) URL without credentials; got "${raw}".`);
  }
  return url.toString().replace(/\/$/, '');
}
