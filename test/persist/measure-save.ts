// Measures snapshot save and restore of 1M peers over 100k torrents (80% IPv4); run by
// hand, never by `npm test` (speed is measured, not asserted):
//   node --expose-gc --import tsx test/persist/measure-save.ts
// Prints per save: total ms, the longest synchronous chunk, the longest gap between 1 ms
// timer ticks meanwhile (what a request could have waited), chunks and file size; then
// verify and restore times.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applySnapshot, verifySnapshot } from '../../app/persist/reader.ts';
import { SnapshotSaver } from '../../app/persist/saver.ts';
import { put } from '../helpers/store-ops.ts';
import { newStore, tempDir } from './util.ts';

const TORRENTS = 100_000;
const PER_TORRENT = 10;
const store = newStore();
const hash = Buffer.alloc(20);
const id = Buffer.from('-MS0001-000000000000', 'latin1');
const a4 = new Uint8Array(4);
const a6 = new Uint8Array(16);
const now = Math.floor(Date.now() / 1000);
for (let t = 0; t < TORRENTS; t++) {
  hash.writeUInt32BE(t, 0);
  hash.writeUInt32BE((0x9e3779b9 ^ t) >>> 0, 4);
  for (let p = 0; p < PER_TORRENT; p++) {
    const v6 = p >= 8;
    const a = v6 ? a6 : a4;
    for (let k = 0; k < a.length; k++) a[k] = (Math.random() * 256) | 0;
    put(store, hash, v6 ? 6 : 4, a, 1000 + p, { id, seeder: p % 3 === 0, now });
  }
}
(globalThis as { gc?: () => void }).gc?.();
const path = join(tempDir(), 'trakx.db');
const saver = new SnapshotSaver(store, { path });
let maxLag = 0;
let last = performance.now();
const probe = setInterval(() => {
  const t = performance.now();
  maxLag = Math.max(maxLag, t - last - 1);
  last = t;
}, 1);
for (let i = 1; i <= 3; i++) {
  maxLag = 0;
  last = performance.now();
  const r = await saver.save();
  console.log(
    `save ${i}: ${r.ms.toFixed(0)} ms, longest chunk ${r.maxChunkMs.toFixed(2)} ms, longest timer gap ${maxLag.toFixed(2)} ms, ${r.chunks} chunks, ${r.peers4 + r.peers6} peers, ${r.bytes} bytes`,
  );
}
clearInterval(probe);
const buf = readFileSync(path);
let t0 = performance.now();
verifySnapshot(buf);
const verifyMs = performance.now() - t0;
t0 = performance.now();
const restored = applySnapshot(buf, newStore(), { cutoff: 0, now });
console.log(
  `verify ${verifyMs.toFixed(0)} ms, restore ${(performance.now() - t0).toFixed(0)} ms (${restored.peers} peers)`,
);
