// Bencode writer (BEP 3). Only what responses need: dicts, lists, integers and byte
// strings. Keys are written by the caller in sorted order. No intermediate objects: the
// writer appends bytes to its buffer, and the caller either copies the result out
// (copy(), the buffer is then reused) or takes it as a view (take(), see there).

/** take() starts a new buffer when less than this is left for the next reply. */
const TAKE_ROOM = 4096;

export class BencodeWriter {
  buf: Buffer;
  pos = 0;
  /** Where the current result starts: 0, or past the results take() handed out. */
  private start = 0;

  /** @param size the buffer's size, and of each new one take() starts. */
  constructor(private readonly size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): this {
    this.pos = this.start;
    return this;
  }

  /** Make room for n more bytes (grows rarely: the default fits every normal reply). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const len = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(this.size, 2 * (len + n)));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = len;
  }

  dict(): this {
    this.ensure(1);
    this.buf[this.pos++] = 0x64; // d
    return this;
  }

  list(): this {
    this.ensure(1);
    this.buf[this.pos++] = 0x6c; // l
    return this;
  }

  end(): this {
    this.ensure(1);
    this.buf[this.pos++] = 0x65; // e
    return this;
  }

  /** Pre-encoded bytes, e.g. a key made once with `encodeKey`. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.append(bytes, 0, bytes.length);
    return this;
  }

  int(n: number): this {
    this.ensure(24);
    this.buf[this.pos++] = 0x69; // i
    this.decimal(Math.trunc(n));
    this.buf[this.pos++] = 0x65;
    return this;
  }

  /** A byte string header `<len>:`; the caller then writes exactly len bytes. */
  strHeader(len: number): this {
    this.ensure(12 + len);
    this.decimal(len);
    this.buf[this.pos++] = 0x3a; // :
    return this;
  }

  /**
   * An integer's decimal digits, written byte by byte: a String() and a native
   * Buffer.write per number cost more than the rest of a small reply. Beyond the safe
   * integers (never a count or length) and for NaN it falls back to String()'s text.
   */
  private decimal(n: number): void {
    const buf = this.buf;
    if (n < 0) {
      buf[this.pos++] = 0x2d; // -
      n = -n;
    }
    if (!(n <= Number.MAX_SAFE_INTEGER)) {
      this.pos += buf.write(String(n), this.pos, 'latin1');
      return;
    }
    let len = 1;
    for (let p = 10; p <= n; p *= 10) len++;
    let at = this.pos + len;
    this.pos = at;
    do {
      const q = Math.floor(n / 10);
      buf[--at] = 0x30 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  bytes(bytes: Uint8Array, start = 0, end = bytes.length): this {
    this.strHeader(end - start);
    this.append(bytes, start, end);
    return this;
  }

  /** bytes[start, end) at pos, room already made. */
  private append(bytes: Uint8Array, start: number, end: number): void {
    const buf = this.buf;
    const at = this.pos - start;
    // A byte loop for short runs (keys, addresses): set() has a high fixed cost, and
    // subarray() would allocate a view per call.
    if (end - start <= 64) for (let k = start; k < end; k++) buf[at + k] = bytes[k];
    else buf.set(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  /** A text string, UTF-8 encoded. */
  str(text: string): this {
    const len = Buffer.byteLength(text);
    this.strHeader(len);
    this.pos += this.buf.write(text, this.pos, 'utf8');
    return this;
  }

  /** A copy of what was written (the writer's buffer is reused for the next reply). */
  copy(): Buffer {
    // allocUnsafe takes small replies from Node's shared pool; no subarray view needed.
    const out = Buffer.allocUnsafe(this.pos - this.start);
    this.buf.copy(out, 0, this.start, this.pos);
    return out;
  }

  /**
   * What was written, as a view of the writer's buffer, which is then never written
   * there again: the next result goes after it, and into a new buffer once this one is
   * nearly full (the old one lives on while views of it do, like Node's Buffer pool).
   * No copy: for a small reply, copy()'s allocation and copy cost as much as writing it.
   */
  take(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    // 8-byte aligned, as Node's pool aligns its slices.
    const next = (this.pos + 7) & ~7;
    if (this.buf.length - next < TAKE_ROOM) {
      this.buf = Buffer.allocUnsafe(this.size);
      this.start = 0;
    } else this.start = next;
    this.pos = this.start;
    return out;
  }
}

/** `<len>:<key>` as bytes, for keys written on every response. */
export function encodeKey(key: string): Buffer {
  return Buffer.from(`${Buffer.byteLength(key)}:${key}`, 'utf8');
}

/** A whole dict with one `failure reason` (and optional BEP 31 `retry in`). */
export function encodeFailure(reason: string, retryNever = false, retryIn = 0): Buffer {
  const w = new BencodeWriter(128 + reason.length * 3);
  w.dict().raw(encodeKey('failure reason')).str(reason);
  if (retryNever) w.raw(encodeKey('retry in')).str('never');
  else if (retryIn > 0) w.raw(encodeKey('retry in')).int(retryIn);
  return w.end().copy();
}
