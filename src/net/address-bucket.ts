// The unit a per-address throttle counts: an IPv4 address, or an IPv6 client's /64. One IPv6 host is
// routinely given a whole /64 (RFC 6177, SLAAC), so counting single IPv6 addresses would let one client
// rotate through 2^64 of them; an IPv4-mapped IPv6 peer (::ffff:a.b.c.d) is the IPv4 client it is.
import { isIP } from 'node:net';
import { unmapIpv4 } from './cidr.ts';

export function addressBucket(address: string): string {
  const plain = unmapIpv4(address);
  if (isIP(plain) !== 6) return plain;
  const groups = ipv6Groups(plain.split('%')[0] ?? plain);
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (with `::` expanded and a dotted IPv4 tail split). */
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((piece) => {
          if (!piece.includes('.')) return [Number.parseInt(piece, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const front = parse(head);
  if (tail === undefined) return front;
  const back = parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}
