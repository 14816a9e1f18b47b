// The one CIDR parser (allowlists from the console, the admin API and the CLI, and the CIDR lists in the
// configuration) and the matcher compiled from its output. Entries are canonicalised before anything
// compares or stores them: `203.0.113.7` and `203.0.113.7/32` are the same entry, IPv6 is written in its
// RFC 5952 form. An entry with host bits set (`1.2.3.4/0`) is refused rather than silently widened to its
// network, and `/0` (every address) is accepted only when the caller says so explicitly.
import { BlockList, isIP } from 'node:net';

export interface IpMatcher {
  matches(address: string): boolean;
  readonly entries: readonly string[];
}

export class InvalidCidrError extends Error {
  override name = 'InvalidCidrError';
  /** Which entry of a list was refused, when a list was checked. */
  index: number | undefined;
}

export interface Cidr {
  /** The network address, canonical (host bits zero, IPv6 compressed and lower case). */
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
  /** `address/prefix`: what is stored, compared and shown. */
  canonical: string;
}

export interface CidrOptions {
  /** Accept `/0`, the whole address space; without it such an entry is refused. */
  allowAny?: boolean;
}

export function parseCidr(entry: string, options: CidrOptions = {}): Cidr {
  const text = entry.trim();
  // A zone index (fe80::1%eth0) names an interface of the sender's host; it means nothing here.
  if (text.includes('%')) throw new InvalidCidrError(`"${entry}" has a zone index (%…); leave it out.`);
  const [rawAddress = '', rawPrefix, extra] = text.split('/');
  const version = isIP(rawAddress);
  if (version === 0 || extra !== undefined)
    throw new InvalidCidrError(`"${entry}" is not an IP address or CIDR range.`);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const bits = version === 4 ? 32 : 128;
  if (rawPrefix !== undefined && !/^\d{1,3}$/.test(rawPrefix))
    throw new InvalidCidrError(`"${entry}" has a prefix length that is not a number.`);
  const prefix = rawPrefix === undefined ? bits : Number(rawPrefix);
  if (prefix > bits) throw new InvalidCidrError(`"${entry}" has a prefix length over ${bits}.`);
  const bytes = toBytes(rawAddress, family);
  const network = formatBytes(maskBytes(bytes, prefix), family);
  if (!bytes.equals(maskBytes(bytes, prefix))) {
    throw new InvalidCidrError(
      `"${entry}" has host bits set: the network would be ${network}/${prefix}. ` +
        `Did you mean ${network}/${prefix}, or ${formatBytes(bytes, family)}/${bits} for this one address?`,
    );
  }
  if (prefix === 0 && !options.allowAny) {
    throw new InvalidCidrError(
      `"${entry}" allows every address; widening to /0 needs the explicit allow-any option.`,
    );
  }
  return { address: network, prefix, family, canonical: `${network}/${prefix}` };
}

/** Whether the entry is the whole IPv4 or IPv6 space (what an empty allowlist also means). */
export function isAnyAddress(cidr: string): boolean {
  return cidr.endsWith('/0');
}

export function compileCidrs(entries: readonly string[]): IpMatcher {
  const list = new BlockList();
  for (const entry of entries) {
    const { address, prefix, family } = parseCidr(entry, { allowAny: true });
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

function toBytes(address: string, family: 'ipv4' | 'ipv6'): Buffer {
  if (family === 'ipv4') return Buffer.from(address.split('.').map(Number));
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes its two 16-bit groups first.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const text = v4
    ? address.slice(0, v4.index) +
      [Number(v4[1]) * 256 + Number(v4[2]), Number(v4[3]) * 256 + Number(v4[4])]
        .map((n) => n.toString(16))
        .join(':')
    : address;
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => {
    bytes.writeUInt16BE(Number.parseInt(group, 16), i * 2);
  });
  return bytes;
}

function maskBytes(bytes: Buffer, prefix: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = (out[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

function formatBytes(bytes: Buffer, family: 'ipv4' | 'ipv6'): string {
  if (family === 'ipv4') return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // WHATWG URL serialises IPv6 hosts in the RFC 5952 form (longest zero run compressed, lower case).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
