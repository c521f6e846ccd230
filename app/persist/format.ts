// The snapshot file format, version 2 (version 1 is still read). Everything is
// little-endian except addresses and ports, which keep the compact wire form (network
// byte order) they have in the store.
//
// Header, 64 bytes:
//   off size
//     0    8  magic "TRAKXDB\0"
//     8    2  format version (u16) = 2
//    10    2  header size (u16) = 64
//    12    4  flags (u32), 0; reserved
//    16    8  created (u64): unix milliseconds when the save started
//    24    4  torrents in the body (u32), count-only records included
//    28    4  IPv4 peers in the body (u32)
//    32    4  IPv6 peers in the body (u32)
//    36    4  CRC-32 of the body (u32)
//    40    8  body size in bytes (u64); the file is exactly header + body
//    48   12  reserved, zero
//    60    4  CRC-32 of header bytes 0..59 (u32)
//
// Body: one record per torrent, each followed by its peers, IPv4 first:
//   torrent (36 bytes): info_hash[20] downloaded u32 ipv4_peers u32 ipv6_peers u32
//     idle_since u32
//   idle_since: for a count-only record (no peers, kept for its downloaded count), unix
//     seconds since it has had no peer; restore keeps them in that order, so the
//     longest-idle still gives way first. 0 for a torrent with peers.
//   IPv4 peer (31 bytes): address[4] port[2] peer_id[20] flags u8 last_seen u32
//   IPv6 peer (43 bytes): address[16] port[2] peer_id[20] flags u8 last_seen u32
//   flags: bit 0 = seeder; other bits are written as 0 and ignored on read.
//   last_seen: unix seconds of the peer's last announce.
//
// The family of a peer is implied by its section, so no per-peer tag or length byte can
// disagree with the data (trakx's format broke exactly there when IPv6 came, its #43).
// A change to any of this gets a new version number; readers refuse versions they do
// not know instead of guessing.
//
// Version 1 is version 2 without idle_since: 32-byte torrent records, and never a
// torrent without peers (such a torrent was not kept then).

import { crc32 } from 'node:zlib';

export const MAGIC = Buffer.from('TRAKXDB\0', 'latin1');
export const FORMAT_VERSION = 2;
export const HEADER_SIZE = 64;
export const TORRENT_SIZE = 36;
/** Torrent records of version 1 files, which lack idle_since. */
export const TORRENT_SIZE_V1 = 32;
export const PEER4_SIZE = 31;
export const PEER6_SIZE = 43;
export const FLAG_SEEDER = 1;

export interface SnapshotHeader {
  version: number;
  /** Unix milliseconds when the save started. */
  created: number;
  torrents: number;
  peers4: number;
  peers6: number;
  bodyCrc: number;
  bodySize: number;
}

/** Why a file is not a usable snapshot; the message names the problem. */
export class SnapshotError extends Error {}

export function encodeHeader(h: SnapshotHeader, out: Buffer): Buffer {
  out.fill(0, 0, HEADER_SIZE);
  MAGIC.copy(out, 0);
  out.writeUInt16LE(h.version, 8);
  out.writeUInt16LE(HEADER_SIZE, 10);
  out.writeBigUInt64LE(BigInt(h.created), 16);
  out.writeUInt32LE(h.torrents, 24);
  out.writeUInt32LE(h.peers4, 28);
  out.writeUInt32LE(h.peers6, 32);
  out.writeUInt32LE(h.bodyCrc, 36);
  out.writeBigUInt64LE(BigInt(h.bodySize), 40);
  out.writeUInt32LE(crc32(out.subarray(0, 60)), 60);
  return out;
}

/** Bytes of a torrent record in a file of the given (supported) format version. */
export function torrentSize(version: number): number {
  return version === 1 ? TORRENT_SIZE_V1 : TORRENT_SIZE;
}

/** Parse and check a header (not the body). Throws SnapshotError. */
export function decodeHeader(buf: Buffer): SnapshotHeader {
  if (buf.length < HEADER_SIZE) {
    if (buf.length >= MAGIC.length && !buf.subarray(0, MAGIC.length).equals(MAGIC))
      throw new SnapshotError('not a trakx snapshot (bad magic)');
    throw new SnapshotError(`truncated: ${buf.length} bytes, shorter than the header`);
  }
  if (!buf.subarray(0, MAGIC.length).equals(MAGIC))
    throw new SnapshotError('not a trakx snapshot (bad magic)');
  const version = buf.readUInt16LE(8);
  if (version !== FORMAT_VERSION && version !== 1)
    throw new SnapshotError(
      `unsupported format version ${version} (this trakx reads 1 and ${FORMAT_VERSION})`,
    );
  if (buf.readUInt32LE(60) !== crc32(buf.subarray(0, 60)))
    throw new SnapshotError('header checksum mismatch');
  if (buf.readUInt16LE(10) !== HEADER_SIZE) throw new SnapshotError('bad header size');
  const bodySize = buf.readBigUInt64LE(40);
  if (bodySize > BigInt(Number.MAX_SAFE_INTEGER)) throw new SnapshotError('bad body size');
  return {
    version,
    created: Number(buf.readBigUInt64LE(16)),
    torrents: buf.readUInt32LE(24),
    peers4: buf.readUInt32LE(28),
    peers6: buf.readUInt32LE(32),
    bodyCrc: buf.readUInt32LE(36),
    bodySize: Number(bodySize),
  };
}
