// The Ed25519 key that signs Tessera-Assertion. It is never stored in the database: a PKCS#8 PEM file at
// TESSERA_GATEWAY_SIGNING_KEY_FILE. The file may hold two keys: the first signs, the second (the previous
// key, during a rotation) is only published, so upstreams keep accepting assertions signed before the swap.
// Only on the embedded default (one node, a local data directory) is a key generated at first start.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { type Config, ConfigError } from '../config.ts';
import { encodedProtectedHeader } from './assertion.ts';

export interface AssertionKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** The JWS protected header `{"alg":"EdDSA","kid":…}`, base64url-encoded once. */
  readonly encodedHeader: string;
}

export interface AssertionKeys {
  readonly current: AssertionKey;
  /** The public keys upstreams may verify with: current first, then the previous one. */
  readonly jwks: { keys: JWK[] };
}

const PEM_BLOCK = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/g;
export const GENERATED_KEY_FILE = 'gateway-signing-key.pem';

export async function loadAssertionKeys(
  config: Config,
  warn: (message: string) => void,
): Promise<AssertionKeys> {
  const pem = readOrGenerate(config, warn);
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0 || blocks.length > 2) {
    throw new ConfigError('TESSERA_GATEWAY_SIGNING_KEY_FILE must hold one or two PKCS#8 PEM Ed25519 keys.');
  }
  const keys = await Promise.all(blocks.map(toAssertionKey));
  const [current] = keys;
  if (!current) throw new ConfigError('TESSERA_GATEWAY_SIGNING_KEY_FILE holds no key.');
  const jwks = await Promise.all(keys.map(publicJwk));
  return Object.freeze({ current, jwks: { keys: jwks } });
}

function readOrGenerate(config: Config, warn: (message: string) => void): string {
  if (config.gatewaySigningKeyFile) {
    try {
      return readFileSync(config.gatewaySigningKeyFile, 'utf8');
    } catch {
      throw new ConfigError(
        `TESSERA_GATEWAY_SIGNING_KEY_FILE "${config.gatewaySigningKeyFile}" cannot be read.`,
      );
    }
  }
  if (config.databaseUrl) {
    // Several nodes share one PostgreSQL: each generating its own key would sign with keys the others
    // do not publish.
    throw new ConfigError('With DATABASE_URL, the gateway needs TESSERA_GATEWAY_SIGNING_KEY_FILE.');
  }
  const file = join(config.dataDir, GENERATED_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    chmodSync(file, 0o600);
    warn(`generated a gateway signing key in ${file}; set TESSERA_GATEWAY_SIGNING_KEY_FILE in production`);
  }
  return readFileSync(file, 'utf8');
}

async function toAssertionKey(pem: string): Promise<AssertionKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new ConfigError('TESSERA_GATEWAY_SIGNING_KEY_FILE holds a key that is not a PKCS#8 PEM.');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError('TESSERA_GATEWAY_SIGNING_KEY_FILE must hold Ed25519 keys.');
  }
  const jwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, encodedHeader: encodedProtectedHeader(kid) };
}

async function publicJwk(key: AssertionKey): Promise<JWK> {
  const jwk = await exportJWK(createPublicKey(key.privateKey));
  return { ...jwk, kid: key.kid, alg: 'EdDSA', use: 'sig' };
}
