// Hand-built BEP 15 packets and reply decoders for the UDP tests, written from the
// spec independently of app/protocol/udp.ts so the two check each other.

export const MAGIC = Buffer.from([0, 0, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80]);

export function connectPacket(txid: number, magic: Buffer = MAGIC, action = 0): Buffer {
  const b = Buffer.alloc(16);
  magic.copy(b, 0);
  b.writeUInt32BE(action >>> 0, 8);
  b.writeUInt32BE(txid >>> 0, 12);
  return b;
}

export interface AnnounceFields {
  connId: Buffer;
  txid?: number;
  infoHash: Buffer;
  peerId?: Buffer;
  downloaded?: bigint;
  left?: bigint;
  uploaded?: bigint;
  event?: number;
  ip?: number;
  key?: number;
  numWant?: number;
  port?: number;
  /** Raw BEP 41 option bytes appended after byte 98. */
  options?: Buffer;
}

/** BEP 41 option bytes of one URLData option (type 2) holding `s`; NOP is 1, EndOfOptions 0. */
export function urlData(s: string): number[] {
  return [2, s.length, ...Buffer.from(s)];
}

export function announcePacket(f: AnnounceFields): Buffer {
  const opts = f.options ?? Buffer.alloc(0);
  const b = Buffer.alloc(98 + opts.length);
  f.connId.copy(b, 0);
  b.writeUInt32BE(1, 8);
  b.writeUInt32BE((f.txid ?? 0x01020304) >>> 0, 12);
  f.infoHash.copy(b, 16);
  (f.peerId ?? Buffer.from('-TS0001-abcdefghijkl')).copy(b, 36);
  b.writeBigUInt64BE(f.downloaded ?? 0n, 56);
  b.writeBigUInt64BE(f.left ?? 1000n, 64);
  b.writeBigUInt64BE(f.uploaded ?? 0n, 72);
  b.writeUInt32BE(f.event ?? 0, 80);
  b.writeUInt32BE((f.ip ?? 0) >>> 0, 84);
  b.writeUInt32BE((f.key ?? 0) >>> 0, 88);
  b.writeInt32BE(f.numWant ?? -1, 92);
  b.writeUInt16BE(f.port ?? 6881, 96);
  opts.copy(b, 98);
  return b;
}

export function scrapePacket(connId: Buffer, txid: number, hashes: Buffer[]): Buffer {
  const b = Buffer.alloc(16 + 20 * hashes.length);
  connId.copy(b, 0);
  b.writeUInt32BE(2, 8);
  b.writeUInt32BE(txid >>> 0, 12);
  for (let i = 0; i < hashes.length; i++) hashes[i].copy(b, 16 + 20 * i);
  return b;
}

export interface Peer {
  ip: string;
  port: number;
}

export interface AnnounceReply {
  txid: number;
  interval: number;
  leechers: number;
  seeders: number;
  peers: Peer[];
}

export function decodeAnnounceReply(b: Buffer, family: 4 | 6): AnnounceReply {
  if (b.readUInt32BE(0) !== 1) throw new Error(`not an announce reply: ${describe(b)}`);
  const size = family === 4 ? 6 : 18;
  if ((b.length - 20) % size !== 0) throw new Error(`peer list of ${b.length - 20} bytes`);
  const peers: Peer[] = [];
  for (let at = 20; at < b.length; at += size) {
    const ip =
      family === 4
        ? [...b.subarray(at, at + 4)].join('.')
        : Array.from({ length: 8 }, (_, i) => b.readUInt16BE(at + 2 * i).toString(16)).join(':');
    peers.push({ ip, port: b.readUInt16BE(at + size - 2) });
  }
  return {
    txid: b.readUInt32BE(4),
    interval: b.readUInt32BE(8),
    leechers: b.readUInt32BE(12),
    seeders: b.readUInt32BE(16),
    peers,
  };
}

export interface ScrapeEntry {
  seeders: number;
  completed: number;
  leechers: number;
}

export function decodeScrapeReply(b: Buffer): { txid: number; entries: ScrapeEntry[] } {
  if (b.readUInt32BE(0) !== 2) throw new Error(`not a scrape reply: ${describe(b)}`);
  if ((b.length - 8) % 12 !== 0) throw new Error(`scrape reply of ${b.length} bytes`);
  const entries: ScrapeEntry[] = [];
  for (let at = 8; at < b.length; at += 12) {
    entries.push({
      seeders: b.readUInt32BE(at),
      completed: b.readUInt32BE(at + 4),
      leechers: b.readUInt32BE(at + 8),
    });
  }
  return { txid: b.readUInt32BE(4), entries };
}

/** [txid, message] of an error reply, or throws. */
export function decodeError(b: Buffer): { txid: number; message: string } {
  if (b.length < 8 || b.readUInt32BE(0) !== 3) throw new Error(`not an error reply: ${describe(b)}`);
  return { txid: b.readUInt32BE(4), message: b.subarray(8).toString('latin1') };
}

export function describe(b: Buffer | null): string {
  if (b === null) return 'no reply';
  if (b.length >= 8 && b.readUInt32BE(0) === 3) return `error "${b.subarray(8).toString('latin1')}"`;
  return `${b.length} bytes ${b.subarray(0, 24).toString('hex')}`;
}

/** 20 bytes derived from a label (readable in failures). */
export function hash20(label: string): Buffer {
  const b = Buffer.alloc(20, 0x2e);
  Buffer.from(label).copy(b, 0, 0, 20);
  return b;
}
