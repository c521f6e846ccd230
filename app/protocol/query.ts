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

export class QueryReader {
  /** Decoded keys (latin1: keys are ASCII in every client). */
  readonly keys: string[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly scratch: Buffer;
  count = 0;
  error: QueryError | undefined;

  constructor(
    readonly maxParams = 256,
    readonly maxLength = 8192,
  ) {
    this.scratch = Buffer.allocUnsafe(maxLength);
  }

  /**
   * Parse `raw` (the part after `?`). Returns false and sets `error` when malformed.
   * `+` decodes to a space, as in application/x-www-form-urlencoded.
   */
  parse(raw: string): boolean {
    this.count = 0;
    this.error = undefined;
    const n = raw.length;
    if (n > this.maxLength) return this.fail('too long');
    let out = 0;
    let i = 0;
    while (i < n) {
      // One parameter: key up to '=' or '&', then value up to '&'.
      const keyStart = out;
      let hasValue = false;
      while (i < n) {
        const c = raw.charCodeAt(i);
        if (c === 0x26) break; // &
        if (c === 0x3d && !hasValue) {
          hasValue = true;
          i++;
          this.keys[this.count] = this.scratch.toString('latin1', keyStart, out);
          this.starts[this.count] = out;
          continue;
        }
        if (c === 0x25) {
          // %XX
          if (i + 2 >= n) return this.fail('malformed escape');
          const hi = HEX[raw.charCodeAt(i + 1) & 0xff]!;
          const lo = HEX[raw.charCodeAt(i + 2) & 0xff]!;
          if (hi < 0 || lo < 0 || raw.charCodeAt(i + 1) > 0xff || raw.charCodeAt(i + 2) > 0xff) {
            return this.fail('malformed escape');
          }
          this.scratch[out++] = (hi << 4) | lo;
          i += 3;
          continue;
        }
        // A URL is bytes (latin1 in Node's HTTP parser): a wider char cannot be one, and
        // truncating it to a byte would let two different queries read the same.
        if (c > 0xff) return this.fail('invalid character');
        this.scratch[out++] = c === 0x2b ? 0x20 : c;
        i++;
      }
      if (out > keyStart || hasValue) {
        if (this.count >= this.maxParams) return this.fail('too many parameters');
        if (!hasValue) {
          // A bare key (`&compact&`) is a flag: it reads as the value "1".
          this.keys[this.count] = this.scratch.toString('latin1', keyStart, out);
          this.starts[this.count] = -1;
          this.ends[this.count] = -1;
        } else {
          this.ends[this.count] = out;
        }
        this.count++;
      }
      i++; // skip '&'
    }
    return true;
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
    return this.starts[i]! < 0 ? ONE : this.scratch.subarray(this.starts[i], this.ends[i]);
  }

  length(i: number): number {
    return this.starts[i]! < 0 ? 1 : this.ends[i]! - this.starts[i]!;
  }

  /** Value of parameter i as a latin1 string (for numbers and keywords). */
  str(i: number): string {
    return this.starts[i]! < 0 ? '1' : this.scratch.toString('latin1', this.starts[i], this.ends[i]);
  }
}

const ONE = Buffer.from('1');

/** A strictly decimal non-negative integer (no sign, no exponent, no spaces), or -1. */
export function parseUint(text: string): number {
  const n = text.length;
  if (n === 0 || n > 20) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
