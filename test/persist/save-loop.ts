// Fixture of saver.test.ts (not a test itself): fills a store with PEERS peers, then saves
// it to SNAPSHOT over and over, printing "saved" after each save, until it is killed.

import { SnapshotSaver } from '../../app/persist/saver.ts';
import { newStore, putPeer } from './util.ts';

const path = process.env.SNAPSHOT!;
const peers = Number(process.env.PEERS ?? 100_000);
const store = newStore();
const now = Math.floor(Date.now() / 1000);
for (let i = 0; i < peers; i++) {
  putPeer(store, {
    torrent: i % 5000,
    family: i % 4 === 0 ? 6 : 4,
    addr:
      i % 4 === 0
        ? [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255]
        : [10, (i >>> 16) & 255, (i >>> 8) & 255, i & 255],
    port: 1000 + (i % 50000),
    id: i,
    seeder: i % 3 === 0,
    seen: now,
  });
}
const saver = new SnapshotSaver(store, { path, chunkBytes: 16 * 1024 });
for (;;) {
  await saver.save();
  process.stdout.write('saved\n');
}
