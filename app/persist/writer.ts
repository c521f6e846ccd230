// Encodes the body of a snapshot (see format.ts) from the store's visit() callbacks into
// one reusable, growing buffer. The saver drains it after every chunk of torrents, so the
// buffer only ever holds one chunk. A torrent's peer counts are not known when its record
// starts, so they are patched in when the next torrent starts or the chunk ends. IPv6
// peers wait in a side buffer until then, so the file keeps its IPv4-then-IPv6 order
// whatever order a store visits them in.

import type { Family } from '../bittorrent/family.ts';
import type { SnapshotVisitor } from '../swarm/store.ts';
import { FLAG_SEEDER, PEER4_SIZE, PEER6_SIZE, TORRENT_SIZE } from './format.ts';

export class BodyWriter implements SnapshotVisitor {
  buf: Buffer;
  /** Bytes of the current chunk. */
  length = 0;
  torrents = 0;
  peers4 = 0;
  peers6 = 0;
  /** Offset of the open torrent record, or -1. */
  private open = -1;
  private open4 = 0;
  private open6 = 0;
  private side: Buffer;
  private sideLength = 0;

  constructor(initial = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initial);
    this.side = Buffer.allocUnsafe(initial >>> 2);
  }

  private static grown(b: Buffer, used: number, need: number): Buffer {
    let size = b.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    b.copy(next, 0, 0, used);
    return next;
  }

  private reserve(n: number): void {
    if (this.length + n > this.buf.length)
      this.buf = BodyWriter.grown(this.buf, this.length, this.length + n);
  }

  private closeTorrent(): void {
    if (this.open < 0) return;
    if (this.sideLength > 0) {
      this.reserve(this.sideLength);
      this.side.copy(this.buf, this.length, 0, this.sideLength);
      this.length += this.sideLength;
      this.sideLength = 0;
    }
    this.buf.writeUInt32LE(this.open4, this.open + 24);
    this.buf.writeUInt32LE(this.open6, this.open + 28);
    this.open = -1;
  }

  torrent(infoHash: Uint8Array, hashOff: number, downloaded: number, idleSince: number): void {
    this.closeTorrent();
    this.reserve(TORRENT_SIZE);
    const b = this.buf;
    const o = this.length;
    for (let k = 0; k < 20; k++) b[o + k] = infoHash[hashOff + k];
    b.writeUInt32LE(downloaded >>> 0, o + 20);
    b.writeUInt32LE(idleSince >>> 0, o + 32);
    this.open = o;
    this.open4 = 0;
    this.open6 = 0;
    this.length = o + TORRENT_SIZE;
    this.torrents++;
  }

  peer(
    family: Family,
    addrPort: Uint8Array,
    addrOff: number,
    peerId: Uint8Array,
    idOff: number,
    seeder: boolean,
    lastSeen: number,
  ): void {
    if (this.open < 0) return;
    let b: Buffer;
    let o: number;
    let alen: number;
    if (family === 4) {
      this.reserve(PEER4_SIZE);
      b = this.buf;
      o = this.length;
      this.length = o + PEER4_SIZE;
      alen = 6;
      this.open4++;
      this.peers4++;
    } else {
      if (this.sideLength + PEER6_SIZE > this.side.length)
        this.side = BodyWriter.grown(this.side, this.sideLength, this.sideLength + PEER6_SIZE);
      b = this.side;
      o = this.sideLength;
      this.sideLength = o + PEER6_SIZE;
      alen = 18;
      this.open6++;
      this.peers6++;
    }
    for (let k = 0; k < alen; k++) b[o + k] = addrPort[addrOff + k];
    o += alen;
    for (let k = 0; k < 20; k++) b[o + k] = peerId[idOff + k];
    o += 20;
    b[o] = seeder ? FLAG_SEEDER : 0;
    b.writeUInt32LE(lastSeen >>> 0, o + 1);
  }

  /** Finish the chunk: its bytes are buf[0, length) until reset(). */
  endChunk(): void {
    this.closeTorrent();
  }

  /** Start the next chunk in the same buffer (totals keep counting). */
  reset(): void {
    this.length = 0;
  }
}
