// The UDP tracker wire format (BEP 15) and the announce options that may follow it
// (BEP 41). Every function reads or writes caller-owned buffers at fixed offsets, so a
// server can parse a datagram and build its reply without allocating. All integers are
// big-endian. Layouts, in bytes:
//   connect  request  0 protocol id (8) · 8 action (4) · 12 transaction id (4)       = 16
//   connect  reply    0 action · 4 transaction id · 8 connection id (8)              = 16
//   announce request  0 connection id · 8 action · 12 txid · 16 info_hash (20) ·
//                     36 peer_id (20) · 56 downloaded (8) · 64 left (8) ·
//                     72 uploaded (8) · 80 event · 84 IPv4 (ignored) · 88 key ·
//                     92 num_want (signed) · 96 port (2) · 98 BEP 41 options…         ≥ 98
//   announce reply    0 action · 4 txid · 8 interval · 12 leechers · 16 seeders ·
//                     20 peers (6 bytes each to IPv4, 18 bytes each to IPv6)
//   scrape   request  0 connection id · 8 action · 12 txid · 16 info_hashes (20 each)
//   scrape   reply    0 action · 4 txid · then per hash seeders, completed, leechers
//   error    reply    0 action 3 · 4 txid · 8 message (no terminator)

import type { CompactOut } from './compact.ts';
export const ACTION_CONNECT = 0;
export const ACTION_ANNOUNCE = 1;
export const ACTION_SCRAPE = 2;
export const ACTION_ERROR = 3;
/** trakx's non-standard liveness probe: a 16-byte packet with action 4 → one byte 0xFF. */
export const ACTION_HEARTBEAT = 4;
export const HEARTBEAT_REPLY = 0xff;

/** The connect magic 0x41727101980, as its two 32-bit halves. */
export const PROTOCOL_ID_HI = 0x417;
export const PROTOCOL_ID_LO = 0x27101980;

/** Shorter datagrams are not tracker packets (every request has the 16-byte header). */
export const HEADER_LEN = 16;
export const CONNECT_REPLY_LEN = 16;
export const ANNOUNCE_LEN = 98;
export const ANNOUNCE_REPLY_HEADER = 20;
export const HASH_LEN = 20;
/** BEP 15's limit, so that a full scrape request still fits one 1500-byte datagram. */
export const MAX_SCRAPE_HASHES = 74;
export const SCRAPE_ENTRY_LEN = 12;
/** action + transaction id, the start of every reply. */
export const REPLY_HEADER = 8;

export const OFF_INFO_HASH = 16;
export const OFF_PEER_ID = 36;
const OFF_DOWNLOADED = 56;
const OFF_LEFT = 64;
const OFF_UPLOADED = 72;
const OFF_EVENT = 80;
const OFF_NUM_WANT = 92;
const OFF_PORT = 96;

/** BEP 41 option types. */
export const OPTION_END = 0;
export const OPTION_NOP = 1;
export const OPTION_URL_DATA = 2;

export function readU32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

function readI32(b: Uint8Array, off: number): number {
  return (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
}

/**
 * An unsigned 64-bit counter as a number. Values past 2^53 - 1 (which includes the -1
 * some clients send for "unknown") are clamped to it: only `left == 0` matters.
 */
export function readU64(b: Uint8Array, off: number): number {
  const hi = readU32(b, off);
  if (hi > 0x1fffff) return Number.MAX_SAFE_INTEGER;
  return hi * 0x100000000 + readU32(b, off + 4);
}

export function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = v >>> 16;
  b[off + 2] = v >>> 8;
  b[off + 3] = v;
}

/** The whole 32-bit action of a request (the packet must be ≥ 16 bytes). */
export function readAction(b: Uint8Array): number {
  return readU32(b, 8);
}

/** Whether a connect request carries the protocol magic in its connection id field. */
export function hasProtocolId(b: Uint8Array): boolean {
  return readU32(b, 0) === PROTOCOL_ID_HI && readU32(b, 4) === PROTOCOL_ID_LO;
}

/** action + the request's transaction id: the first 8 bytes of every reply. */
export function writeReplyHeader(out: Uint8Array, action: number, req: Uint8Array): void {
  writeU32(out, 0, action);
  out[4] = req[12];
  out[5] = req[13];
  out[6] = req[14];
  out[7] = req[15];
}

/** Connect reply header; the caller writes the 8-byte connection id at offset 8. Returns 16. */
export function writeConnectReply(out: Uint8Array, req: Uint8Array): number {
  writeReplyHeader(out, ACTION_CONNECT, req);
  return CONNECT_REPLY_LEN;
}

/** Announce fields that are numbers; info_hash and peer_id stay in the packet (offsets above). */
export class UdpAnnounce {
  downloaded = 0;
  left = 0;
  uploaded = 0;
  /** BEP 15 event code as sent (0 none, 1 completed, 2 started, 3 stopped; 4 paused per BEP 21). */
  event = 0;
  /** Negative means "tracker default" (BEP 15 says -1). */
  numWant = 0;
  port = 0;
  /** Bytes of BEP 41 URL data collected into the caller's buffer. */
  urlLen = 0;
}

/**
 * Read an announce of `len` ≥ 98 bytes into `into`, collecting BEP 41 URL data into
 * `url` (whose length bounds how much is kept).
 */
export function parseAnnounce(b: Uint8Array, len: number, into: UdpAnnounce, url: Uint8Array): UdpAnnounce {
  into.downloaded = readU64(b, OFF_DOWNLOADED);
  into.left = readU64(b, OFF_LEFT);
  into.uploaded = readU64(b, OFF_UPLOADED);
  into.event = readU32(b, OFF_EVENT);
  into.numWant = readI32(b, OFF_NUM_WANT);
  into.port = (b[OFF_PORT] << 8) | b[OFF_PORT + 1];
  into.urlLen = readUrlData(b, ANNOUNCE_LEN, len, url);
  return into;
}

/**
 * Collect the URLData of the BEP 41 options in b[start, end) into `url`, concatenating
 * several URLData options, and return how many bytes were collected. EndOfOptions or
 * the end of the packet ends the list; NOP is skipped. Anything malformed (an unknown
 * type, whose length cannot be known; a length byte or data running past the packet;
 * more data than `url` holds) stops parsing and keeps the complete options before it,
 * so a bad option never fails the announce itself.
 */
export function readUrlData(b: Uint8Array, start: number, end: number, url: Uint8Array): number {
  let n = 0;
  let i = start;
  while (i < end) {
    const type = b[i];
    if (type === OPTION_END) break;
    if (type === OPTION_NOP) {
      i++;
      continue;
    }
    if (type !== OPTION_URL_DATA || i + 1 >= end) break;
    const size = b[i + 1];
    const from = i + 2;
    if (from + size > end || n + size > url.length) break;
    for (let k = 0; k < size; k++) url[n + k] = b[from + k];
    n += size;
    i = from + size;
  }
  return n;
}

/** Announce reply header; peers follow at offset 20. */
export function writeAnnounceReply(
  out: Uint8Array,
  req: Uint8Array,
  interval: number,
  leechers: number,
  seeders: number,
): void {
  writeReplyHeader(out, ACTION_ANNOUNCE, req);
  writeU32(out, 8, interval);
  writeU32(out, 12, clampU32(leechers));
  writeU32(out, 16, clampU32(seeders));
}

/** How many whole 20-byte hashes a scrape of `len` bytes carries, or -1 if a partial one trails. */
export function scrapeHashCount(len: number): number {
  const body = len - HEADER_LEN;
  return body % HASH_LEN === 0 ? body / HASH_LEN : -1;
}

/** Scrape entry `i` (0-based) of a reply whose header was written with writeReplyHeader. */
export function writeScrapeEntry(
  out: Uint8Array,
  i: number,
  seeders: number,
  completed: number,
  leechers: number,
): void {
  const at = REPLY_HEADER + i * SCRAPE_ENTRY_LEN;
  writeU32(out, at, clampU32(seeders));
  writeU32(out, at + 4, clampU32(completed));
  writeU32(out, at + 8, clampU32(leechers));
}

/**
 * Error reply with `message` (ASCII) cut to `max` bytes in all. Returns its length
 * (at least the 8-byte header).
 */
export function writeError(out: Uint8Array, req: Uint8Array, message: Uint8Array, max: number): number {
  writeReplyHeader(out, ACTION_ERROR, req);
  const n = Math.max(0, Math.min(message.length, max - REPLY_HEADER, out.length - REPLY_HEADER));
  for (let k = 0; k < n; k++) out[REPLY_HEADER + k] = message[k];
  return REPLY_HEADER + n;
}

function clampU32(v: number): number {
  return v > 0xffffffff ? 0xffffffff : v < 0 ? 0 : v;
}

/**
 * PeerSink-shaped writer of the compact peer entries of an announce reply into a
 * caller-owned buffer, for one address family (6-byte entries for IPv4, 18 for IPv6),
 * stopping at `max` entries so the reply stays inside one datagram.
 */
export class UdpPeerWriter {
  out: Uint8Array;
  private entry = 6;
  /** The compact fast path (see PeerSink in app/bittorrent/peer-sink.ts): the requester's family only. */
  compact4: CompactOut | null = null;
  compact6: CompactOut | null = null;
  private readonly target: CompactOut;

  constructor(out: Uint8Array) {
    this.out = out;
    this.target = { buf: out, pos: ANNOUNCE_REPLY_HEADER, end: ANNOUNCE_REPLY_HEADER };
  }

  begin(out: Uint8Array, family: 4 | 6, max: number): this {
    this.out = out;
    this.entry = family === 4 ? 6 : 18;
    const t = this.target;
    t.buf = out;
    t.pos = ANNOUNCE_REPLY_HEADER;
    t.end = ANNOUNCE_REPLY_HEADER + max * this.entry;
    this.compact4 = family === 4 ? t : null;
    this.compact6 = family === 6 ? t : null;
    return this;
  }

  /** Entries left before `max`; none of the other family (a UDP reply carries the sender's own). */
  room(family: 4 | 6): number {
    const t = this.target;
    return (family === 4 ? 6 : 18) === this.entry ? (t.end - t.pos) / this.entry : 0;
  }

  /** Entries of the other family are not wanted over UDP; the fast path handles the own one. */
  peer(family: 4 | 6, addrPort: Uint8Array, addrOff: number): void {
    const t = this.target;
    if ((family === 4 ? 6 : 18) !== this.entry || t.pos + this.entry > t.end) return;
    for (let k = 0; k < this.entry; k++) t.buf[t.pos + k] = addrPort[addrOff + k];
    t.pos += this.entry;
  }

  /** Entries written. */
  get count(): number {
    return (this.target.pos - ANNOUNCE_REPLY_HEADER) / this.entry;
  }

  /** Total reply length so far. */
  get length(): number {
    return this.target.pos;
  }
}

/**
 * Largest reply payload: IPv6's minimum MTU (1280) minus the IPv6 and UDP headers, the
 * size DNS settled on as never fragmented. Caps a reply at 202 IPv4 or 67 IPv6 peers.
 */
export const MAX_REPLY = 1232;
export const MAX_PEERS_V4 = Math.floor((MAX_REPLY - ANNOUNCE_REPLY_HEADER) / 6);
export const MAX_PEERS_V6 = Math.floor((MAX_REPLY - ANNOUNCE_REPLY_HEADER) / 18);
/** The short texts of UDP error packets. */
export const UDP_ERRORS = {
  badProtocolId: 'bad protocol id',
  badConnectionId: 'bad connection id',
  badLength: 'bad length',
  unknownAction: 'unknown action',
  badPort: 'bad port',
  badEvent: 'bad event',
  tooManyHashes: 'too many hashes',
  internal: 'internal error',
} as const;
/**
 * The metrics reason of a tracker failure (torrent limit, rate limit, info_hash lists,
 * peers per address): which limit it was is counted by trakx_limit_hits_total.
 */
export const UDP_REFUSED = 'refused';
/** ASCII bytes of a fixed error message, made once at start-up. */
export function errorMessage(text: string): Uint8Array {
  const b = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 0x7f;
  return b;
}
