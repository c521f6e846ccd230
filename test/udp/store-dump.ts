// Everything a store holds, as sorted text, to prove that a run of packets changed nothing.

import type { SnapshotVisitor, SwarmStore } from '../../app/swarm/store.ts';

export function dumpStore(store: SwarmStore): string {
  const lines: string[] = [];
  let torrent = '';
  const visitor: SnapshotVisitor = {
    torrent(hash, off, downloaded) {
      torrent = Buffer.from(hash.subarray(off, off + 20)).toString('hex');
      lines.push(`${torrent} downloaded=${downloaded}`);
    },
    peer(family, addrPort, off, peerId, idOff, seeder, lastSeen) {
      const ap = Buffer.from(addrPort.subarray(off, off + (family === 4 ? 6 : 18))).toString('hex');
      const id = Buffer.from(peerId.subarray(idOff, idOff + 20)).toString('hex');
      lines.push(`${torrent} ${family} ${ap} ${id} ${seeder ? 'seed' : 'leech'} ${lastSeen}`);
    },
  };
  for (let from = 0; from >= 0; ) from = store.visit(from, 1000, visitor);
  lines.sort();
  return `${JSON.stringify(store.totals())}\n${lines.join('\n')}`;
}
