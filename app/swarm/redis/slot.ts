// Redis Cluster key slots: CRC16-XMODEM of the key (or of its first non-empty {tag})
// modulo 16384, as the servers compute them (CLUSTER KEYSLOT).

export const SLOTS = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  TABLE[i] = c;
}

function crc16(b: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b[i]) & 0xff];
  return crc;
}

/** The slot of a key given as bytes (a string key is taken as latin1). */
export function keySlot(key: Uint8Array | string): number {
  const b = typeof key === 'string' ? Buffer.from(key, 'latin1') : key;
  const open = b.indexOf(0x7b);
  if (open >= 0) {
    const close = b.indexOf(0x7d, open + 1);
    // "{}" (an empty tag) or no "}" means the whole key is hashed.
    if (close > open + 1) return crc16(b, open + 1, close) & (SLOTS - 1);
  }
  return crc16(b, 0, b.length) & (SLOTS - 1);
}

const HEX = Buffer.from('0123456789abcdef');

/**
 * The slot of every key of one torrent (tag = lowercase hex of its 20-byte info_hash),
 * computed from the hash bytes without building the key.
 */
export function torrentSlot(hash: Uint8Array, off: number): number {
  let crc = 0;
  for (let i = off; i < off + 20; i++) {
    const v = hash[i];
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ HEX[v >> 4]) & 0xff];
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ HEX[v & 15]) & 0xff];
  }
  return crc & (SLOTS - 1);
}
