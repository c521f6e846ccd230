// Trusted-proxy entries (`http.trustProxy`): single addresses or CIDRs, kept in a
// node:net BlockList. Used by the loader to reject bad entries at start-up.

import { type BlockList, isIP } from 'node:net';

/** Add an address or CIDR; throws with a clear message when malformed (checked at start-up). */
export function addTrusted(list: BlockList, entry: string): void {
  const [addr, prefix] = entry.trim().split('/');
  const kind = isIP(addr ?? '');
  if (kind === 0) throw new Error(`not an IP address or CIDR: ${entry}`);
  const type = kind === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) {
    list.addAddress(addr!, type);
    return;
  }
  const bits = Number(prefix);
  if (!/^\d+$/.test(prefix) || bits > (kind === 4 ? 32 : 128)) throw new Error(`bad CIDR prefix: ${entry}`);
  list.addSubnet(addr!, bits, type);
}
