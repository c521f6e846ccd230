// The HTTP announce response (BEP 3, 7, 23, 24): collects peers as they are selected,
// either compact (`peers` 6-byte IPv4 entries, `peers6` 18-byte IPv6 entries) or the
// dictionary model, then writes the whole bencoded dict in one go. Reused per server.

import { formatAddress } from './address.ts';
import { BencodeWriter, encodeKey } from './bencode.ts';
import type { CompactOut } from './compact.ts';

const K_COMPLETE = encodeKey('complete');
const K_DOWNLOADED = encodeKey('downloaded');
const K_EXTERNAL_IP = encodeKey('external ip');
const K_INCOMPLETE = encodeKey('incomplete');
const K_INTERVAL = encodeKey('interval');
const K_MIN_INTERVAL = encodeKey('min interval');
const K_PEERS = encodeKey('peers');
const K_PEERS6 = encodeKey('peers6');
const K_IP = encodeKey('ip');
const K_PEER_ID = encodeKey('peer id');
const K_PORT = encodeKey('port');

export interface AnnounceFields {
  interval: number;
  minInterval: number;
  seeders: number;
  leechers: number;
  downloaded: number;
}

export class AnnounceEncoder {
  private readonly out = new BencodeWriter(64 * 1024);
  private readonly dictPeers = new BencodeWriter(16 * 1024);
  private readonly out4: CompactOut;
  private readonly out6: CompactOut;
  /** The compact fast path (see PeerSink in app/bittorrent/peer-sink.ts); null in the dictionary model. */
  compact4: CompactOut | null = null;
  compact6: CompactOut | null = null;
  private compact = true;
  private noPeerId = false;
  /** Peers in the dictionary model so far. */
  private listed = 0;

  /** Room for maxPeers entries of each family (numwant.limit). */
  constructor(private readonly maxPeers: number) {
    this.out4 = { buf: Buffer.allocUnsafe(6 * maxPeers), pos: 0, end: 6 * maxPeers };
    this.out6 = { buf: Buffer.allocUnsafe(18 * maxPeers), pos: 0, end: 18 * maxPeers };
  }

  begin(compact: boolean, noPeerId: boolean): this {
    this.compact = compact;
    this.noPeerId = noPeerId;
    this.out4.pos = 0;
    this.out6.pos = 0;
    this.compact4 = compact ? this.out4 : null;
    this.compact6 = compact ? this.out6 : null;
    this.dictPeers.reset();
    this.listed = 0;
    return this;
  }

  /** PeerSink: entries of `family` that still fit. */
  room(family: 4 | 6): number {
    if (!this.compact) return this.maxPeers - this.listed;
    const out = family === 4 ? this.out4 : this.out6;
    return Math.floor((out.end - out.pos) / (family === 4 ? 6 : 18));
  }

  /** PeerSink: called by the store for each selected peer. */
  peer(family: 4 | 6, addrPort: Uint8Array, addrOff: number, peerId: Uint8Array, idOff: number): void {
    if (!this.compact) {
      this.listed++;
      const ilen = family === 4 ? 4 : 16;
      const w = this.dictPeers
        .dict()
        .raw(K_IP)
        .str(formatAddress(addrPort, addrOff, family));
      if (!this.noPeerId) w.raw(K_PEER_ID).bytes(peerId, idOff, idOff + 20);
      w.raw(K_PORT)
        .int((addrPort[addrOff + ilen] << 8) | addrPort[addrOff + ilen + 1])
        .end();
      return;
    }
    const out = family === 4 ? this.out4 : this.out6;
    const len = family === 4 ? 6 : 18;
    if (out.pos + len > out.end) return;
    for (let k = 0; k < len; k++) out.buf[out.pos + k] = addrPort[addrOff + k];
    out.pos += len;
  }

  /** The bencoded response; `externalIp` is 4 or 16 bytes (BEP 24). */
  finish(r: AnnounceFields, externalIp: Uint8Array, ipLen: number): Buffer {
    const w = this.out.reset();
    w.dict();
    w.raw(K_COMPLETE).int(r.seeders);
    w.raw(K_DOWNLOADED).int(r.downloaded);
    w.raw(K_EXTERNAL_IP).bytes(externalIp, 0, ipLen);
    w.raw(K_INCOMPLETE).int(r.leechers);
    w.raw(K_INTERVAL).int(r.interval);
    w.raw(K_MIN_INTERVAL).int(r.minInterval);
    if (this.compact) {
      w.raw(K_PEERS).bytes(this.out4.buf, 0, this.out4.pos);
      w.raw(K_PEERS6).bytes(this.out6.buf, 0, this.out6.pos);
    } else {
      w.raw(K_PEERS).list().raw(this.dictPeers.buf.subarray(0, this.dictPeers.pos)).end();
    }
    return w.end().take();
  }
}

const K_FILES = encodeKey('files');
const K_FILES_DL = K_DOWNLOADED;

/** The HTTP scrape response (BEP 48): `files` maps each 20-byte hash to its counts. */
export class ScrapeEncoder {
  private readonly w = new BencodeWriter(64 * 1024);

  begin(): this {
    this.w.reset().dict().raw(K_FILES).dict();
    return this;
  }

  /** Hashes must be added in ascending byte order (bencode dict keys are sorted). */
  file(hash: Uint8Array, off: number, complete: number, downloaded: number, incomplete: number): this {
    this.w
      .bytes(hash, off, off + 20)
      .dict()
      .raw(K_COMPLETE)
      .int(complete)
      .raw(K_FILES_DL)
      .int(downloaded)
      .raw(K_INCOMPLETE)
      .int(incomplete)
      .end();
    return this;
  }

  finish(): Buffer {
    return this.w.end().end().take();
  }
}
