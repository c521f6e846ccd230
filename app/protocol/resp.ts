// RESP2, the Redis wire protocol: a writer that encodes commands straight into one
// reusable buffer (so a whole event-loop turn of requests leaves in one write), and an
// incremental parser that turns any split of the reply stream back into values.

/** An error reply (`-ERR …`): a value, not thrown, so it answers exactly one request. */
export class RespError extends Error {
  override name = 'RespError';
}

export type RespValue = number | string | Buffer | null | RespError | RespValue[];

const CRLF = 0x0a0d; // "\r\n" read as a little-endian uint16
const CR = 0x0d;
const LF = 0x0a;
const HEX = Buffer.from('0123456789abcdef');

/** Encodes commands as arrays of bulk strings into a growing buffer. */
export class RespWriter {
  private buf = Buffer.allocUnsafe(16384);
  /** Bytes written since the last take(). */
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  private digits(n: number): void {
    // Numbers of the protocol (lengths, counts, arguments) are small non-negative
    // integers or negatives we write as text; ASCII digits without building a string.
    if (n < 0 || !Number.isSafeInteger(n)) {
      this.ascii(String(n));
      return;
    }
    let len = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) len++;
    this.room(len);
    let at = this.length + len;
    do {
      this.buf[--at] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
    this.length += len;
  }

  private ascii(s: string): void {
    this.room(s.length);
    this.length += this.buf.write(s, this.length, 'latin1');
  }

  private crlf(): void {
    this.room(2);
    this.buf.writeUInt16LE(CRLF, this.length);
    this.length += 2;
  }

  private header(type: number, n: number): void {
    this.room(1);
    this.buf[this.length++] = type;
    this.digits(n);
    this.crlf();
  }

  /** Starts a command of `argc` arguments (the command name counts as one). */
  array(argc: number): void {
    this.header(0x2a, argc);
  }

  /** A bulk string from latin1 text (command names, script hashes, key prefixes). */
  str(s: string): void {
    this.header(0x24, s.length);
    this.ascii(s);
    this.crlf();
  }

  /** A bulk string of the decimal form of `n`. */
  int(n: number): void {
    let len = 1;
    if (n < 0 || !Number.isSafeInteger(n)) len = String(n).length;
    else for (let v = n; v >= 10; v = Math.floor(v / 10)) len++;
    this.header(0x24, len);
    this.digits(n);
    this.crlf();
  }

  /** A bulk string of raw bytes. */
  bytes(b: Uint8Array, off: number, len: number): void {
    this.header(0x24, len);
    this.room(len);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < len; i++) buf[at++] = b[off + i];
    this.length = at;
    this.crlf();
  }

  /** A bulk string `head` + hex of `len` bytes of `b` + `tail`: keys named after a hash. */
  hexKey(head: Uint8Array, b: Uint8Array, off: number, len: number, tail: Uint8Array): void {
    this.header(0x24, head.length + len * 2 + tail.length);
    this.room(head.length + len * 2 + tail.length);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < head.length; i++) buf[at++] = head[i];
    for (let i = 0; i < len; i++) {
      const v = b[off + i];
      buf[at++] = HEX[v >> 4];
      buf[at++] = HEX[v & 15];
    }
    for (let i = 0; i < tail.length; i++) buf[at++] = tail[i];
    this.length = at;
    this.crlf();
  }

  /** Bytes already in RESP form (a request sent before, sent again). */
  raw(b: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    const buf = this.buf;
    let at = this.length;
    for (let i = start; i < end; i++) buf[at++] = b[i];
    this.length = at;
  }

  /** A copy of what was written, and the writer emptied for the next batch. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.buf.copy(out, 0, 0, this.length);
    this.length = 0;
    return out;
  }

  /** Forget what was written since `mark` (a request that could not be queued). */
  rewind(mark: number): void {
    this.length = mark;
  }
}

/** A reply stream that broke the protocol: the connection must be dropped. */
export class RespProtocolError extends Error {
  override name = 'RespProtocolError';
}

const INCOMPLETE = -1;

/**
 * Incremental RESP2 parser. feed() takes chunks as they arrive and calls `onReply` once
 * per complete top-level reply, in order. A reply split across chunks is parsed again
 * from its start once enough bytes are there; for a long bulk string the parser waits
 * until its announced length has arrived instead of retrying on every chunk.
 */
export class RespParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private chunks: Buffer[] = [];
  private held = 0;
  /** Bytes (from `pos`) needed before another parse attempt can succeed. */
  private need = 0;
  private value: RespValue = null;
  /** Deepest position a failed parse needed, relative to the buffer start. */
  private want = 0;

  constructor(private readonly onReply: (value: RespValue) => void) {}

  /** Drops any partial reply (a new connection starts a new stream). */
  reset(): void {
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    this.chunks = [];
    this.held = 0;
    this.need = 0;
  }

  feed(chunk: Buffer): void {
    if (this.pos < this.buf.length || this.chunks.length > 0) {
      this.chunks.push(chunk);
      this.held += chunk.length;
      if (this.buf.length - this.pos + this.held < this.need) return;
      this.chunks.unshift(this.buf.subarray(this.pos));
      this.buf = Buffer.concat(this.chunks);
      this.chunks = [];
      this.held = 0;
    } else {
      this.buf = chunk;
    }
    this.pos = 0;
    const buf = this.buf;
    while (this.pos < buf.length) {
      this.want = 0;
      const end = this.parse(buf, this.pos);
      if (end === INCOMPLETE) {
        this.need = Math.max(this.want - this.pos, buf.length - this.pos + 1);
        return;
      }
      this.pos = end;
      this.onReply(this.value);
    }
    this.need = 0;
  }

  /** Position of the CR of the line starting at `at`, or INCOMPLETE. */
  private lineEnd(buf: Buffer, at: number): number {
    const cr = buf.indexOf(CR, at);
    if (cr < 0 || cr + 1 >= buf.length) {
      this.want = buf.length + 1;
      return INCOMPLETE;
    }
    if (buf[cr + 1] !== LF) throw new RespProtocolError('CR without LF in a reply line');
    return cr;
  }

  private integer(buf: Buffer, from: number, to: number): number {
    let i = from;
    let neg = false;
    if (buf[i] === 0x2d) {
      neg = true;
      i++;
    }
    if (i === to) throw new RespProtocolError('empty number in a reply');
    let n = 0;
    for (; i < to; i++) {
      const d = buf[i] - 0x30;
      if (d < 0 || d > 9) throw new RespProtocolError('bad digit in a reply number');
      n = n * 10 + d;
    }
    return neg ? -n : n;
  }

  /** Parses one value at `at` into this.value; returns the position after it. */
  private parse(buf: Buffer, at: number): number {
    const type = buf[at];
    const cr = this.lineEnd(buf, at + 1);
    if (cr === INCOMPLETE) return INCOMPLETE;
    switch (type) {
      case 0x2b: // + simple string
        this.value = buf.toString('latin1', at + 1, cr);
        return cr + 2;
      case 0x2d: // - error
        this.value = new RespError(buf.toString('utf8', at + 1, cr));
        return cr + 2;
      case 0x3a: // : integer
        this.value = this.integer(buf, at + 1, cr);
        return cr + 2;
      case 0x24: {
        // $ bulk string
        const len = this.integer(buf, at + 1, cr);
        if (len < 0) {
          this.value = null;
          return cr + 2;
        }
        const start = cr + 2;
        const end = start + len;
        if (end + 2 > buf.length) {
          this.want = end + 2;
          return INCOMPLETE;
        }
        if (buf[end] !== CR || buf[end + 1] !== LF)
          throw new RespProtocolError('bulk string not ended by CRLF');
        this.value = buf.subarray(start, end);
        return end + 2;
      }
      case 0x2a: {
        // * array
        const n = this.integer(buf, at + 1, cr);
        if (n < 0) {
          this.value = null;
          return cr + 2;
        }
        const items: RespValue[] = new Array(n);
        let p = cr + 2;
        for (let i = 0; i < n; i++) {
          if (p >= buf.length) {
            this.want = p + 1;
            return INCOMPLETE;
          }
          p = this.parse(buf, p);
          if (p === INCOMPLETE) return INCOMPLETE;
          items[i] = this.value;
        }
        this.value = items;
        return p;
      }
      default:
        throw new RespProtocolError(`unknown reply type byte 0x${(type ?? 0).toString(16)}`);
    }
  }
}
