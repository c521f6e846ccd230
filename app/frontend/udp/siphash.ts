// SipHash-2-4 (Aumasson & Bernstein, 2012): a keyed pseudo-random function made for
// short inputs, used to sign UDP connection ids. node:crypto has no SipHash, and an
// HMAC through it allocates a Hmac object and a digest per call (several hundred ns);
// this runs on every announce and scrape, so it is written out on 32-bit halves of the
// 64-bit words and allocates nothing.

function le32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

export class SipHash24 {
  /** k0 lo, k0 hi, k1 lo, k1 hi. */
  private readonly k = new Uint32Array(4);

  /** `key` is 16 bytes. */
  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new RangeError('SipHash key must be 16 bytes');
    for (let i = 0; i < 4; i++) this.k[i] = le32(key, i * 4);
  }

  /** The 64-bit tag of msg[off, off + len) into out[at, at + 8), little-endian as the reference. */
  hash(msg: Uint8Array, off: number, len: number, out: Uint8Array, at: number): void {
    const k = this.k;
    // v0..v3 as lo/hi halves, in locals: one loop runs every SipRound, absorbing message
    // word w before round 2w and after round 2w + 1, then the 4 finalization rounds.
    let v0l = k[0] ^ 0x70736575;
    let v0h = k[1] ^ 0x736f6d65;
    let v1l = k[2] ^ 0x6e646f6d;
    let v1h = k[3] ^ 0x646f7261;
    let v2l = k[0] ^ 0x6e657261;
    let v2h = k[1] ^ 0x6c796765;
    let v3l = k[2] ^ 0x79746573;
    let v3h = k[3] ^ 0x74656462;
    const full = len >>> 3;
    // The last word: the remaining bytes, and len mod 256 in the top byte.
    let tailLo = 0;
    let tailHi = (len & 0xff) << 24;
    const tail = off + full * 8;
    for (let j = 0; j < (len & 7); j++) {
      const byte = msg[tail + j];
      if (j < 4) tailLo |= byte << (8 * j);
      else tailHi |= byte << (8 * (j - 4));
    }
    const words = full + 1;
    const total = 2 * words + 4;
    let mlo = 0;
    let mhi = 0;
    let lo = 0;
    let hi = 0;
    for (let r = 0; r < total; r++) {
      if (r < 2 * words && (r & 1) === 0) {
        const w = r >>> 1;
        if (w < full) {
          mlo = le32(msg, off + w * 8);
          mhi = le32(msg, off + w * 8 + 4);
        } else {
          mlo = tailLo >>> 0;
          mhi = tailHi >>> 0;
        }
        v3l = (v3l ^ mlo) >>> 0;
        v3h = (v3h ^ mhi) >>> 0;
      }
      // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
      lo = (v0l + v1l) >>> 0;
      v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
      v0l = lo;
      hi = (v1h << 13) | (v1l >>> 19);
      lo = (v1l << 13) | (v1h >>> 19);
      v1l = (lo ^ v0l) >>> 0;
      v1h = (hi ^ v0h) >>> 0;
      lo = v0l;
      v0l = v0h;
      v0h = lo;
      // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
      lo = (v2l + v3l) >>> 0;
      v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
      v2l = lo;
      hi = (v3h << 16) | (v3l >>> 16);
      lo = (v3l << 16) | (v3h >>> 16);
      v3l = (lo ^ v2l) >>> 0;
      v3h = (hi ^ v2h) >>> 0;
      // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
      lo = (v0l + v3l) >>> 0;
      v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
      v0l = lo;
      hi = (v3h << 21) | (v3l >>> 11);
      lo = (v3l << 21) | (v3h >>> 11);
      v3l = (lo ^ v0l) >>> 0;
      v3h = (hi ^ v0h) >>> 0;
      // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
      lo = (v2l + v1l) >>> 0;
      v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
      v2l = lo;
      hi = (v1h << 17) | (v1l >>> 15);
      lo = (v1l << 17) | (v1h >>> 15);
      v1l = (lo ^ v2l) >>> 0;
      v1h = (hi ^ v2h) >>> 0;
      lo = v2l;
      v2l = v2h;
      v2h = lo;
      if (r < 2 * words && (r & 1) === 1) {
        v0l = (v0l ^ mlo) >>> 0;
        v0h = (v0h ^ mhi) >>> 0;
        if (r === 2 * words - 1) v2l = (v2l ^ 0xff) >>> 0;
      }
    }
    const rlo = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
    const rhi = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
    out[at] = rlo;
    out[at + 1] = rlo >>> 8;
    out[at + 2] = rlo >>> 16;
    out[at + 3] = rlo >>> 24;
    out[at + 4] = rhi;
    out[at + 5] = rhi >>> 8;
    out[at + 6] = rhi >>> 16;
    out[at + 7] = rhi >>> 24;
  }
}
