// Bencode writer (BEP 3) into one reusable buffer. Only what responses need: dicts,
// lists, integers and byte strings. Keys are written by the caller in sorted order.
// No intermediate objects: the writer appends bytes and the caller copies out once.

export class BencodeWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): this {
    this.pos = 0;
    return this;
  }

  /** Make room for n more bytes (grows rarely: the default fits every normal reply). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
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
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  int(n: number): this {
    this.ensure(24);
    this.buf[this.pos++] = 0x69; // i
    this.pos += this.buf.write(String(Math.trunc(n)), this.pos, 'latin1');
    this.buf[this.pos++] = 0x65;
    return this;
  }

  /** A byte string header `<len>:`; the caller then writes exactly len bytes. */
  strHeader(len: number): this {
    this.ensure(12 + len);
    this.pos += this.buf.write(String(len), this.pos, 'latin1');
    this.buf[this.pos++] = 0x3a; // :
    return this;
  }

  bytes(bytes: Uint8Array, start = 0, end = bytes.length): this {
    this.strHeader(end - start);
    this.buf.set(bytes.subarray(start, end), this.pos);
    this.pos += end - start;
    return this;
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
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** `<len>:<key>` as bytes, for keys written on every response. */
export function encodeKey(key: string): Buffer {
  return Buffer.from(`${Buffer.byteLength(key)}:${key}`, 'utf8');
}

/** A whole dict with one `failure reason` (and optional BEP 31 `retry in`). */
export function encodeFailure(reason: string, retryNever = false): Buffer {
  const w = new BencodeWriter(128 + reason.length * 3);
  w.dict().raw(encodeKey('failure reason')).str(reason);
  if (retryNever) w.raw(encodeKey('retry in')).str('never');
  return w.end().copy();
}
