// Where a store sends the peers it selects for an announce reply, and the scrape counts
// it fills in place. Each frontend implements PeerSink in its own reply format.

import type { CompactOut } from '../protocol/compact.ts';
import type { Family } from './family.ts';

/** Receives selected peers. `addrPort` holds the compact form (address + port, big-endian). */
export interface PeerSink {
  peer(family: Family, addrPort: Uint8Array, addrOff: number, peerId: Uint8Array, idOff: number): void;
  /**
   * Compact fast path, per family: when set, the store copies each selected entry (6 or
   * 18 bytes) to `buf` at `pos` itself, advancing `pos` and stopping at `end`, instead
   * of calling peer() — a byte loop instead of a call per peer.
   */
  readonly compact4: CompactOut | null;
  readonly compact6: CompactOut | null;
}

/** Scrape counts, filled in place. */
export interface SwarmCounts {
  seeders: number;
  leechers: number;
  downloaded: number;
}
