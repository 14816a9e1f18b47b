// The client's address as Fastify's trustProxy gives it to routed requests, for the few answers Fastify
// makes before routing (its frameworkErrors requests carry the socket's address only). The algorithm is
// proxy-addr's: from the socket inward along X-Forwarded-For, the first hop that is not a trusted proxy.
import type { IncomingMessage } from 'node:http';
import type { IpMatcher } from './cidr.ts';

export function forwardedClientAddress(raw: IncomingMessage, trustedProxies: IpMatcher): string {
  let address = raw.socket.remoteAddress ?? '';
  const forwarded = raw.headers['x-forwarded-for'];
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  while (hops.length > 0 && trustedProxies.matches(address)) address = hops.pop() as string;
  return address;
}
