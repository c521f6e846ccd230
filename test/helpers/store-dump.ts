// Everything a store holds, as sorted text: to prove that a run of requests changed
// nothing (or only what it should), and that a restored store equals the saved one.

import type { StoreAdmin, StoreTotals } from '../../app/swarm/store.ts';

export interface StoreDump {
  totals: StoreTotals;
  /**
   * One line per torrent, `<hash> downloaded=<n>`, and per peer, `<hash> v<family>
   * <address+port> <peer id> seeder|leecher <last seen>` (bytes in hex), sorted: the
   * order inside a store changes with swaps, the contents are what count.
   */
  lines: string[];
}

/** `lastSeen: false` leaves out last-seen times, which good re-announces refresh. */
export function dumpStore(store: StoreAdmin, { lastSeen = true } = {}): StoreDump {
  const lines: string[] = [];
  let torrent = '';
  for (let from = 0; from >= 0; ) {
    from = store.visit(from, 1000, {
      torrent(hash, off, downloaded) {
        torrent = Buffer.from(hash.subarray(off, off + 20)).toString('hex');
        lines.push(`${torrent} downloaded=${downloaded}`);
      },
      peer(family, addrPort, off, peerId, idOff, seeder, seen) {
        const ap = Buffer.from(addrPort.subarray(off, off + (family === 4 ? 6 : 18))).toString('hex');
        const id = Buffer.from(peerId.subarray(idOff, idOff + 20)).toString('hex');
        const role = seeder ? 'seeder' : 'leecher';
        lines.push(`${torrent} v${family} ${ap} ${id} ${role}${lastSeen ? ` ${seen}` : ''}`);
      },
    });
  }
  return { totals: store.totals(), lines: lines.sort() };
}
