// The key the per-IP connection cap counts under: an IPv4 address, or an IPv6 /64 (one
// host usually holds a whole /64, as the announce rate limit also assumes).

import { parseAddress } from '../../protocol/address.ts';

const scratch = new Uint8Array(16);

export function ipKey(address: string): string {
  const family = parseAddress(address, scratch);
  if (family === 4) return `${scratch[0]}.${scratch[1]}.${scratch[2]}.${scratch[3]}`;
  if (family === 6) return `${Buffer.from(scratch.buffer, 0, 8).toString('hex')}/64`;
  return address;
}
