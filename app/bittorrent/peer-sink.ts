// Where a store sends the peers it selects for an announce reply, and the scrape counts
// it fills in place. Each frontend implements PeerSink in its own reply format.

import type { CompactOut } from '../protocol/compact.ts';
import type { Family } from './family.ts';

/** Receives selected peers. `addrPort` holds the compact form (address + port, big-endian). */
export interface PeerSink {
  /** How many more peers of `family` the reply has room for (0: that family is not sent). */
  room(family: Family): number;
  peer(family: Family, addrPort: Uint8Array, addrOff: number, peerId: Uint8Array, idOff: number): void;
  /**
   * Compact fast path, per family: when set, the store copies each selected entry (6 or
   * 18 bytes) to `buf` at `pos` itself, advancing `pos`, instead of calling peer(): a
   * byte loop instead of a call per peer. room() keeps it within `end`.
   */
  readonly compact4: CompactOut | null;
  readonly compact6: CompactOut | null;
}

/** Seeders, leechers and downloads of one torrent, filled in place. */
export interface SwarmCounts {
  seeders: number;
  leechers: number;
  downloaded: number;
}

/** Takes no peers (announces that only store the peer, such as a snapshot restore). */
export const NO_PEERS: PeerSink = {
  room: () => 0,
  peer() {},
  compact4: null,
  compact6: null,
};
