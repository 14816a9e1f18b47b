// Reading the fields of the gateway configuration: each reader checks one value and, when it is wrong,
// throws a GatewayConfigError naming the field (`upstreams.ledger.timeout_ms`) and what is wrong with it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export class GatewayConfigError extends Error {
  override name = 'GatewayConfigError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`gateway config: ${field} ${problem}`);
  }
}

export function parseDocument(text: string, field: string): unknown {
  try {
    return parseYaml(text); // YAML 1.2 is a superset of JSON, so one parser reads both
  } catch {
    throw new GatewayConfigError(field, 'is neither valid YAML nor valid JSON');
  }
}

export function readFile(raw: unknown, field: string, baseDir: string): Buffer {
  const path = resolve(baseDir, string(raw, field));
  try {
    return readFileSync(path);
  } catch {
    throw new GatewayConfigError(field, `"${path}" cannot be read`);
  }
}

export function object(raw: unknown, field: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new GatewayConfigError(field, 'must be a mapping');
  }
  return raw as Record<string, unknown>;
}

export function onlyKeys(entry: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(entry)) {
    if (!allowed.includes(key)) {
      const where = field === '(top level)' ? key : `${field}.${key}`;
      throw new GatewayConfigError(where, `is not a known field (allowed: ${allowed.join(', ')})`);
    }
  }
}

export function string(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new GatewayConfigError(field, 'must be a string');
  return raw.trim();
}

export function integer(raw: unknown, field: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    throw new GatewayConfigError(field, `must be an integer from ${min} to ${max}`);
  }
  return raw;
}
