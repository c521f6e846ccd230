// The head of an HTTP/1.x GET, read straight from the bytes a connection brought. It
// accepts only the plain shape tracker clients send: `GET target HTTP/1.x`, well-formed
// header lines, the empty line, no body. Anything else (another method, a partial head, a
// body, an upgrade, a header it cannot vouch for) is refused, so the caller leaves the
// connection to a full HTTP server from there; refusing is never wrong, accepting must be.

const CR = 13;
const LF = 10;
const SP = 32;
const HTAB = 9;
const COLON = 58;
const COMMA = 44;

/** RFC 9110 tchar: the bytes of a header name or a Connection token. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) {
  TCHAR[c] = 1;
  TCHAR[c + 0x20] = 1;
}

/** Field-value bytes: HTAB, SP, VCHAR and obs-text (no CR, LF or other controls). */
const VCHAR = new Uint8Array(256);
VCHAR[HTAB] = 1;
for (let c = 0x20; c <= 0x7e; c++) VCHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) VCHAR[c] = 1;

// Header names that decide whether the head is ours, lower case.
const H_HOST = 1;
const H_CONNECTION = 2;
const H_XFF = 3;
/** Headers that bring a body, a protocol switch or an interim reply: a full server's job. */
const H_REFUSE = 4;
const NAMES: [string, number][] = [
  ['host', H_HOST],
  ['connection', H_CONNECTION],
  ['x-forwarded-for', H_XFF],
  ['content-length', H_REFUSE],
  ['transfer-encoding', H_REFUSE],
  ['upgrade', H_REFUSE],
  ['expect', H_REFUSE],
];
const NAME_BYTES = NAMES.map(([n, kind]) => [Buffer.from(n, 'latin1'), kind] as const);

const GET = Buffer.from('GET ', 'latin1');
const VERSION = Buffer.from(' HTTP/1.', 'latin1');
const CLOSE = Buffer.from('close', 'latin1');
const KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const UPGRADE = Buffer.from('upgrade', 'latin1');
/** X-Forwarded-For lines kept; a head with more is refused. */
const MAX_XFF = 8;

/** Case-insensitive compare of buf[at, at + word.length) with a lower-case word. */
function sameLower(buf: Uint8Array, at: number, end: number, word: Uint8Array): boolean {
  if (end - at !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    let c = buf[at + i];
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== word[i]) return false;
  }
  return true;
}

function headerKind(buf: Uint8Array, at: number, end: number): number {
  for (let i = 0; i < NAME_BYTES.length; i++) {
    const [name, kind] = NAME_BYTES[i];
    if (sameLower(buf, at, end, name)) return kind;
  }
  return 0;
}

/** Reused per server: read() fills the fields below, valid until the next read(). */
export class HeadReader {
  /** The request target: buf[targetStart, targetEnd). */
  targetStart = 0;
  targetEnd = 0;
  /** Whether the connection closes after this reply (1.1: `Connection: close`; 1.0: no `keep-alive`). */
  closes = false;
  /** X-Forwarded-For values, trimmed: [start, end) pairs in the buffer, in order. */
  xffCount = 0;
  private readonly xff = new Int32Array(2 * MAX_XFF);
  private close = false;
  private keepAlive = false;

  /**
   * Where the head that starts at buf[start] ends (the offset after its empty line), when
   * buf[start, end) begins with one whole GET head, HTTP/1.0 or 1.1, of at most `max`
   * bytes, with a Host for 1.1, an unambiguous Connection and nothing that brings a body or
   * an upgrade; -1 for anything else, a head cut short by `end` included.
   */
  read(buf: Uint8Array, start: number, end: number, max: number): number {
    this.xffCount = 0;
    this.close = false;
    this.keepAlive = false;
    if (end - start > max) end = start + max;
    if (end - start < 16) return -1;
    for (let i = 0; i < 4; i++) if (buf[start + i] !== GET[i]) return -1;
    // Origin-form target: '/' then visible ASCII up to the space before the version.
    let p = start + 4;
    if (buf[p] !== 0x2f) return -1;
    while (p < end) {
      const c = buf[p];
      if (c === SP) break;
      if (c < 0x21 || c > 0x7e) return -1;
      p++;
    }
    this.targetStart = start + 4;
    this.targetEnd = p;
    if (p + 11 > end) return -1;
    for (let i = 0; i < VERSION.length; i++) if (buf[p + i] !== VERSION[i]) return -1;
    const minor = buf[p + 8];
    if ((minor !== 0x30 && minor !== 0x31) || buf[p + 9] !== CR || buf[p + 10] !== LF) return -1;
    p += 11;
    let host = false;
    // Header lines up to the empty one.
    for (;;) {
      if (p + 2 > end) return -1;
      if (buf[p] === CR) {
        if (buf[p + 1] !== LF) return -1;
        p += 2;
        break;
      }
      const nameStart = p;
      while (p < end && TCHAR[buf[p]] === 1) p++;
      // No name, whitespace before the colon, or an obs-fold continuation line.
      if (p === nameStart || p >= end || buf[p] !== COLON) return -1;
      const kind = headerKind(buf, nameStart, p);
      p++;
      while (p < end && (buf[p] === SP || buf[p] === HTAB)) p++;
      const valueStart = p;
      while (p < end && VCHAR[buf[p]] === 1) p++;
      if (p + 1 >= end || buf[p] !== CR || buf[p + 1] !== LF) return -1;
      let valueEnd = p;
      while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--;
      p += 2;
      if (kind === 0) continue;
      if (kind === H_REFUSE) return -1;
      if (kind === H_HOST) {
        // More than one Host is a 400 for a full server to give.
        if (host) return -1;
        host = true;
      } else if (kind === H_CONNECTION) {
        if (!this.connectionTokens(buf, valueStart, valueEnd)) return -1;
      } else {
        if (this.xffCount === MAX_XFF) return -1;
        this.xff[2 * this.xffCount] = valueStart;
        this.xff[2 * this.xffCount + 1] = valueEnd;
        this.xffCount++;
      }
    }
    // A request that names both is not plain enough to decide here.
    if (this.close && this.keepAlive) return -1;
    if (minor === 0x31) {
      if (!host) return -1;
      this.closes = this.close;
    } else {
      this.closes = !this.keepAlive;
    }
    return p;
  }

  /** X-Forwarded-For as node:http gives it: every line's value, joined by ", ". */
  forwardedFor(buf: Buffer): string | undefined {
    if (this.xffCount === 0) return undefined;
    let s = buf.toString('latin1', this.xff[0], this.xff[1]);
    for (let i = 1; i < this.xffCount; i++)
      s += `, ${buf.toString('latin1', this.xff[2 * i], this.xff[2 * i + 1])}`;
    return s;
  }

  /**
   * Notes `close` and `keep-alive` in a Connection value (other tokens name hop-by-hop
   * headers and change nothing); false for `upgrade` or a value that is not a token list.
   */
  private connectionTokens(buf: Uint8Array, start: number, end: number): boolean {
    let p = start;
    while (p < end) {
      while (p < end && (buf[p] === SP || buf[p] === HTAB || buf[p] === COMMA)) p++;
      const t = p;
      while (p < end && TCHAR[buf[p]] === 1) p++;
      if (sameLower(buf, t, p, CLOSE)) this.close = true;
      else if (sameLower(buf, t, p, KEEP_ALIVE)) this.keepAlive = true;
      else if (sameLower(buf, t, p, UPGRADE)) return false;
      while (p < end && (buf[p] === SP || buf[p] === HTAB)) p++;
      if (p < end && buf[p] !== COMMA) return false;
    }
    return true;
  }
}
