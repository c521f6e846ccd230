// The HTTP announce response (BEP 3, 7, 23, 24): collects peers as they are selected,
// either compact (`peers` 6-byte IPv4 entries, `peers6` 18-byte IPv6 entries) or the
// dictionary model, then writes the whole bencoded dict in one go. Reused per server.

import { type Family, formatAddress } from './address.ts';
import { BencodeWriter, encodeKey } from './bencode.ts';

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
  private readonly out = new BencodeWriter(16 * 1024);
  private readonly dictPeers = new BencodeWriter(16 * 1024);
  private peers4: Buffer;
  private peers6: Buffer;
  private n4 = 0;
  private n6 = 0;
  private compact = true;
  private noPeerId = false;

  constructor(maxPeers: number) {
    this.peers4 = Buffer.allocUnsafe(6 * maxPeers);
    this.peers6 = Buffer.allocUnsafe(18 * maxPeers);
  }

  begin(compact: boolean, noPeerId: boolean): this {
    this.compact = compact;
    this.noPeerId = noPeerId;
    this.n4 = 0;
    this.n6 = 0;
    this.dictPeers.reset();
    return this;
  }

  /** PeerSink: called by the store for each selected peer. */
  peer(family: Family, addrPort: Uint8Array, addrOff: number, peerId: Uint8Array, idOff: number): void {
    if (!this.compact) {
      const ilen = family === 4 ? 4 : 16;
      const w = this.dictPeers
        .dict()
        .raw(K_IP)
        .str(formatAddress(addrPort, addrOff, family));
      if (!this.noPeerId) w.raw(K_PEER_ID).bytes(peerId, idOff, idOff + 20);
      w.raw(K_PORT)
        .int((addrPort[addrOff + ilen]! << 8) | addrPort[addrOff + ilen + 1]!)
        .end();
      return;
    }
    if (family === 4) {
      if ((this.n4 + 1) * 6 > this.peers4.length) this.peers4 = grow(this.peers4);
      this.peers4.set(addrPort.subarray(addrOff, addrOff + 6), this.n4 * 6);
      this.n4++;
    } else {
      if ((this.n6 + 1) * 18 > this.peers6.length) this.peers6 = grow(this.peers6);
      this.peers6.set(addrPort.subarray(addrOff, addrOff + 18), this.n6 * 18);
      this.n6++;
    }
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
      w.raw(K_PEERS).bytes(this.peers4, 0, this.n4 * 6);
      w.raw(K_PEERS6).bytes(this.peers6, 0, this.n6 * 18);
    } else {
      w.raw(K_PEERS).list().raw(this.dictPeers.buf.subarray(0, this.dictPeers.pos)).end();
    }
    return w.end().copy();
  }
}

function grow(b: Buffer): Buffer {
  const next = Buffer.allocUnsafe(b.length * 2);
  b.copy(next);
  return next;
}

const K_FILES = encodeKey('files');
const K_FILES_DL = K_DOWNLOADED;

/** The HTTP scrape response (BEP 48): `files` maps each 20-byte hash to its counts. */
export class ScrapeEncoder {
  private readonly w = new BencodeWriter(8 * 1024);

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
    return this.w.end().end().copy();
  }
}
