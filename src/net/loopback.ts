// Whether a host name or address (as bound, or as it appears in a URL, IPv6 in brackets) is this machine's
// loopback: where plain HTTP is tolerated for local development and nowhere else.
import { isIP } from 'node:net';

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}
