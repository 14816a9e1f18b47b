// Whether replacing an allowlist lets in an address the current list refuses: the list is removed (an
// empty list admits everyone), an entry is not inside an existing one, or an entry is a /0. Such a change
// needs four-eyes approval; narrowing a list, or setting the first one, does not. This only classifies the
// change: whether a /0 may be stored at all (the explicit allow_any) is the allowlist store's rule.
import { compileCidrs, parseCidr } from '../net/cidr.ts';

export function widensAllowlist(current: readonly string[], proposed: readonly string[]): boolean {
  if (proposed.some((cidr) => parseCidr(cidr, { allowAny: true }).prefix === 0)) return true;
  if (current.length === 0) return false;
  if (proposed.length === 0) return true;
  return proposed.some((cidr) => !current.some((outer) => contains(outer, cidr)));
}

function contains(outer: string, inner: string): boolean {
  const o = parseCidr(outer, { allowAny: true });
  const i = parseCidr(inner, { allowAny: true });
  return o.family === i.family && o.prefix <= i.prefix && compileCidrs([outer]).matches(i.address);
}
