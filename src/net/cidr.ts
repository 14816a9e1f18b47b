// IP allowlists compiled once into a node:net BlockList, so a bad CIDR fails when it is loaded and a
// request costs one lookup. IPv4-mapped IPv6 peers (::ffff:a.b.c.d, what a dual-stack socket reports for
// an IPv4 client) are matched as the IPv4 address they are.
import { BlockList, isIP } from 'node:net';

export interface IpMatcher {
  matches(address: string): boolean;
  readonly entries: readonly string[];
}

export class InvalidCidrError extends Error {
  override name = 'InvalidCidrError';
}

export function parseCidr(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [rawAddress, rawPrefix, extra] = entry.trim().split('/');
  const address = rawAddress ?? '';
  const version = isIP(address);
  if (version === 0 || extra !== undefined)
    throw new InvalidCidrError(`Not an IP address or CIDR: "${entry}"`);
  const max = version === 4 ? 32 : 128;
  if (rawPrefix !== undefined && !/^\d{1,3}$/.test(rawPrefix)) {
    throw new InvalidCidrError(`Not a valid prefix length: "${entry}"`);
  }
  const prefix = rawPrefix === undefined ? max : Number(rawPrefix);
  if (prefix > max) throw new InvalidCidrError(`Prefix length over ${max}: "${entry}"`);
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function compileCidrs(entries: readonly string[]): IpMatcher {
  const list = new BlockList();
  for (const entry of entries) {
    const { address, prefix, family } = parseCidr(entry);
    list.addSubnet(address, prefix, family);
  }
  return {
    entries: Object.freeze([...entries]),
    matches(address: string): boolean {
      const plain = unmapIpv4(address);
      const version = isIP(plain);
      if (version === 0) return false;
      return list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

export function unmapIpv4(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address;
}
