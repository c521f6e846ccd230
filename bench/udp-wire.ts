// BEP 15 packets as the load generator writes and checks them. Written independently of
// app/protocol so the benchmark validates trakx's replies against the spec, not against
// its own encoder.

export const ACTION_CONNECT = 0;
export const ACTION_ANNOUNCE = 1;
export const ACTION_SCRAPE = 2;
export const ACTION_ERROR = 3;

export const EVENT_NONE = 0;
export const EVENT_COMPLETED = 1;
export const EVENT_STARTED = 2;
export const EVENT_STOPPED = 3;

export const CONNECT_LEN = 16;
export const ANNOUNCE_LEN = 98;
/** BEP 15 scrape limit (about 74 hashes fit a safe datagram). */
export const MAX_SCRAPE_HASHES = 74;

/** The protocol id every connect request carries (0x41727101980). */
export const PROTOCOL_ID = Buffer.from([0x00, 0x00, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80]);

export function writeConnect(out: Buffer, tid: number): number {
  PROTOCOL_ID.copy(out, 0);
  out.writeUInt32BE(ACTION_CONNECT, 8);
  out.writeUInt32BE(tid >>> 0, 12);
  return CONNECT_LEN;
}

/** The connect/announce/scrape header: connection id, action, transaction id. */
export function writeHeader(out: Buffer, connId: Buffer, action: number, tid: number): void {
  connId.copy(out, 0, 0, 8);
  out.writeUInt32BE(action, 8);
  out.writeUInt32BE(tid >>> 0, 12);
}

/**
 * Announce body (offsets 16..97). The peer_id (36..55) is written by the caller once
 * per buffer use; downloaded and uploaded stay 0; ip 0 means "the source address".
 */
export function writeAnnounceBody(
  out: Buffer,
  hashes: Buffer,
  torrent: number,
  left: number,
  event: number,
  key: number,
  numwant: number,
  port: number,
): number {
  hashes.copy(out, 16, torrent * 20, torrent * 20 + 20);
  out.writeUInt32BE(0, 56);
  out.writeUInt32BE(0, 60);
  out.writeUInt32BE(0, 64);
  out.writeUInt32BE(left >>> 0, 68);
  out.writeUInt32BE(0, 72);
  out.writeUInt32BE(0, 76);
  out.writeUInt32BE(event, 80);
  out.writeUInt32BE(0, 84);
  out.writeUInt32BE(key >>> 0, 88);
  out.writeUInt32BE(numwant, 92);
  out.writeUInt16BE(port, 96);
  return ANNOUNCE_LEN;
}

/** Shape check of an announce reply: header, sane counts, whole 6-byte IPv4 peers. */
export function announceReplyOk(msg: Buffer): boolean {
  if (msg.length < 20 || (msg.length - 20) % 6 !== 0) return false;
  const interval = msg.readUInt32BE(8);
  if (interval === 0 || interval > 86400 * 7) return false;
  return msg.readUInt32BE(12) <= 0x7fffffff && msg.readUInt32BE(16) <= 0x7fffffff;
}

/** Scrape replies carry 12 bytes (seeders, completed, leechers) per requested hash. */
export function scrapeReplyOk(msg: Buffer, hashes: number): boolean {
  return msg.length === 8 + 12 * hashes;
}
