// Binary-safe query-string decoding. info_hash and peer_id are raw bytes that clients
// percent-encode, so the query is decoded to bytes, not to UTF-8 strings. One reader
// is reused per server: values land in its scratch buffer and are read as subarrays.

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

export type QueryError = 'malformed escape' | 'invalid character' | 'too many parameters' | 'too long';

/**
 * Keys every announce and scrape carries, kept as constant strings: reading them from
 * the decoded bytes takes a byte compare instead of a new string per parameter.
 */
const KNOWN_KEYS = [
  'info_hash',
  'peer_id',
  'port',
  'uploaded',
  'downloaded',
  'left',
  'event',
  'numwant',
  'compact',
  'no_peer_id',
  'key',
  'ip',
  'ipv4',
  'ipv6',
  'corrupt',
  'redundant',
  'supportcrypto',
  'requirecrypto',
  'trackerid',
];
/** Known keys by length, as [bytes, string] pairs. */
const KEYS_BY_LENGTH: [Uint8Array, string][][] = [];
for (const k of KNOWN_KEYS) {
  if (KEYS_BY_LENGTH[k.length] === undefined) KEYS_BY_LENGTH[k.length] = [];
  KEYS_BY_LENGTH[k.length].push([Buffer.from(k, 'latin1'), k]);
}

export class QueryReader {
  /** Decoded keys (latin1: keys are ASCII in every client). */
  readonly keys: string[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly scratch: Buffer;
  /** The raw query as bytes. */
  private readonly input: Buffer;
  count = 0;
  error: QueryError | undefined;

  constructor(
    readonly maxParams = 256,
    readonly maxLength = 8192,
  ) {
    this.scratch = Buffer.allocUnsafe(maxLength);
    this.input = Buffer.allocUnsafe(maxLength * 3 + 1024);
  }

  /** The decoded bytes: parameter i's value is buf[offset(i), offset(i) + length(i)). */
  get buf(): Buffer {
    return this.scratch;
  }

  /**
   * Parse raw[from…] (the part after `?`). Returns false and sets `error` when
   * malformed. `+` decodes to a space, as in application/x-www-form-urlencoded.
   */
  parse(raw: string, from = 0): boolean {
    this.count = 0;
    this.error = undefined;
    if (raw.length - from > this.maxLength) return this.fail('too long');
    let s = raw;
    let at = from;
    // The input buffer holds 3 bytes per char of any query within maxLength: a
    // longer path before it is cut off first (rare: tracker paths are short).
    if (s.length * 3 > this.input.length) {
      s = raw.slice(from);
      at = 0;
    }
    // One native copy, then a loop over bytes: charCodeAt per char costs several
    // times more (and more again on the concatenated strings Node may hand over).
    // UTF-8 of an all-ASCII string is one byte per char; anything else is copied
    // as latin1 once no char is wider than a byte.
    if (this.input.write(s, 0, 'utf8') !== s.length) {
      // A URL is bytes (latin1 in Node's HTTP parser): a wider char cannot be one, and
      // truncating it to a byte would let two different queries read the same.
      for (let i = at; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return this.fail('invalid character');
      this.input.write(s, 0, 'latin1');
    }
    return this.decode(at, s.length);
  }

  /** The query in input[i, n) into the scratch buffer, parameter by parameter. */
  private decode(i: number, n: number): boolean {
    const inp = this.input;
    const out = this.scratch;
    let o = 0;
    while (i < n) {
      // One parameter: key up to '=' or '&', then value up to '&'.
      const keyStart = o;
      let hasValue = false;
      while (i < n) {
        const c = inp[i];
        if (c === 0x26) break; // &
        if (c === 0x3d && !hasValue) {
          hasValue = true;
          i++;
          this.keys[this.count] = this.key(keyStart, o);
          this.starts[this.count] = o;
          continue;
        }
        if (c === 0x25) {
          // %XX
          if (i + 2 >= n) return this.fail('malformed escape');
          const hi = HEX[inp[i + 1]];
          const lo = HEX[inp[i + 2]];
          if (hi < 0 || lo < 0) return this.fail('malformed escape');
          out[o++] = (hi << 4) | lo;
          i += 3;
          continue;
        }
        out[o++] = c === 0x2b ? 0x20 : c;
        i++;
      }
      if (o > keyStart || hasValue) {
        if (this.count >= this.maxParams) return this.fail('too many parameters');
        if (!hasValue) {
          // A bare key (`&compact&`) is a flag: it reads as the value "1".
          this.keys[this.count] = this.key(keyStart, o);
          this.starts[this.count] = -1;
          this.ends[this.count] = -1;
        } else {
          this.ends[this.count] = o;
        }
        this.count++;
      }
      i++; // skip '&'
    }
    return true;
  }

  /** Parse the query of a request target (`/path?query`); no `?` is an empty query. */
  parseTarget(url: string): boolean {
    const q = url.indexOf('?');
    return this.parse(url, q < 0 ? url.length : q + 1);
  }

  /** The key in scratch[start, end): a constant string when it is a known one. */
  private key(start: number, end: number): string {
    const candidates = KEYS_BY_LENGTH[end - start];
    if (candidates !== undefined) {
      const b = this.scratch;
      for (let c = 0; c < candidates.length; c++) {
        const bytes = candidates[c][0];
        let k = 0;
        while (k < bytes.length && b[start + k] === bytes[k]) k++;
        if (k === bytes.length) return candidates[c][1];
      }
    }
    return this.scratch.toString('latin1', start, end);
  }

  private fail(error: QueryError): false {
    this.error = error;
    this.count = 0;
    return false;
  }

  /** Index of the last occurrence of key (later repeats win), or -1. */
  indexOf(key: string): number {
    for (let i = this.count - 1; i >= 0; i--) if (this.keys[i] === key) return i;
    return -1;
  }

  /** Value bytes of parameter i (a view into the scratch buffer, valid until the next parse). */
  bytes(i: number): Buffer {
    return this.starts[i] < 0 ? ONE : this.scratch.subarray(this.starts[i], this.ends[i]);
  }

  length(i: number): number {
    return this.starts[i] < 0 ? 1 : this.ends[i] - this.starts[i];
  }

  /** Where parameter i's value starts in `source(i)`. */
  offset(i: number): number {
    return this.starts[i] < 0 ? 0 : this.starts[i];
  }

  /** The buffer holding parameter i's value: `buf`, or a constant "1" for a bare key. */
  source(i: number): Buffer {
    return this.starts[i] < 0 ? ONE : this.scratch;
  }

  /** Whether parameter i's value is exactly `text` (ASCII), compared without a string. */
  is(i: number, text: string): boolean {
    const b = this.source(i);
    const at = this.offset(i);
    if (this.length(i) !== text.length) return false;
    for (let k = 0; k < text.length; k++) if (b[at + k] !== text.charCodeAt(k)) return false;
    return true;
  }

  /** Parameter i's value as a decimal number (parseUint), read straight from the bytes. */
  uint(i: number): number {
    const at = this.offset(i);
    return parseUint(this.source(i), at, at + this.length(i));
  }
}

const ONE = Buffer.from('1');

/** bytes[start, end) as a strictly decimal non-negative integer (no sign, exponent or spaces), or -1. */
export function parseUint(bytes: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n <= 0 || n > 20) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = bytes[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
