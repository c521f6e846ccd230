// Which address an HTTP announce is from: the socket's, IPv4-mapped IPv6 unmapped.
// X-Forwarded-For is believed only when the socket peer is a configured trusted proxy,
// and then the right-most entry that is not itself a trusted proxy is taken: entries
// to its left were written by the client and can be anything.

import { BlockList, isIP } from 'node:net';
import type { Family } from '../bittorrent/family.ts';
import { addTrusted } from '../config/cidr.ts';
import { parseAddress } from '../protocol/address.ts';

export class ClientAddress {
  private readonly trusted: BlockList | null;
  /**
   * The last socket address parsed, as text and bytes: consecutive requests mostly come
   * from one client (keep-alive) or few. One entry instead of a per-socket WeakMap,
   * whose entry per connection cost more than the parse it saved (ephemeron work in
   * every scavenge).
   */
  private lastRemote = '';
  private lastFamily: Family = 4;
  private readonly lastBytes = new Uint8Array(16);

  constructor(trustProxy: readonly string[]) {
    if (trustProxy.length === 0) {
      this.trusted = null;
      return;
    }
    const list = new BlockList();
    for (const entry of trustProxy) addTrusted(list, entry);
    this.trusted = list;
  }

  /**
   * Resolve into out (16 bytes). Returns the family, or 0 when no usable address exists
   * (a trusted proxy sent a malformed X-Forwarded-For).
   */
  resolve(
    socket: { remoteAddress?: string },
    forwarded: string | string[] | undefined,
    out: Uint8Array,
  ): 0 | Family {
    const remote = socket.remoteAddress ?? '';
    if (this.trusted !== null && forwarded !== undefined && this.isTrusted(remote)) {
      const header = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
      const parts = header.split(',');
      for (let i = parts.length - 1; i >= 0; i--) {
        const candidate = parts[i].trim();
        if (i > 0 && this.isTrusted(candidate)) continue;
        return parseAddress(candidate, out);
      }
      return 0;
    }
    if (remote !== this.lastRemote) {
      this.lastBytes.fill(0);
      const family = parseAddress(remote, this.lastBytes);
      if (family === 0) {
        this.lastRemote = '';
        return 0;
      }
      this.lastRemote = remote;
      this.lastFamily = family;
    }
    const b = this.lastBytes;
    for (let i = 0; i < 16; i++) out[i] = b[i];
    return this.lastFamily;
  }

  private isTrusted(address: string): boolean {
    const kind = isIP(address);
    if (kind === 0 || this.trusted === null) return false;
    if (kind === 6 && address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4) {
      return this.trusted.check(address.slice(7), 'ipv4');
    }
    return this.trusted.check(address, kind === 4 ? 'ipv4' : 'ipv6');
  }
}
