// IP addresses as bytes. Peers are stored and sent in compact form (BEP 23: 4-byte
// IPv4 + port; BEP 7: 16-byte IPv6 + port), so text addresses from sockets are turned
// into bytes once, IPv4-mapped IPv6 (::ffff:a.b.c.d) unmapped to plain IPv4.

const words = new Uint16Array(8);

/**
 * Parse a textual IPv4 or IPv6 address into out (4 or 16 bytes at offset 0). Returns 4,
 * 6 (mapped ::ffff:a.b.c.d comes back as 4), or 0 if malformed. Allocates nothing: it
 * runs for every UDP datagram and HTTP connection.
 */
export function parseAddress(text: string, out: Uint8Array): 0 | 4 | 6 {
  if (text.indexOf(':') < 0) return dotted(text, 0, text.length, out, 0) ? 4 : 0;
  // A zone (fe80::1%eth0) is dropped; a bare `%` is malformed (RFC 6874).
  let end = text.indexOf('%');
  if (end < 0) end = text.length;
  else if (end === text.length - 1) return 0;
  // Every IPv4 sender on a dual-stack socket: ::ffff:a.b.c.d.
  if (mappedPrefix(text)) {
    const dot = text.indexOf('.', 7);
    if (dot > 0 && dot < end && dotted(text, 7, end, out, 0)) return 4;
  }
  if (!hexGroups(text, end)) return 0;
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i] >>> 8;
    out[i * 2 + 1] = words[i] & 0xff;
  }
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0) {
    if (words[5] === 0xffff) {
      out.copyWithin(0, 12, 16);
      return 4;
    }
  }
  return 6;
}

function mappedPrefix(t: string): boolean {
  return (
    t.length > 7 &&
    t.charCodeAt(0) === 0x3a &&
    t.charCodeAt(1) === 0x3a &&
    (t.charCodeAt(2) | 0x20) === 0x66 &&
    (t.charCodeAt(3) | 0x20) === 0x66 &&
    (t.charCodeAt(4) | 0x20) === 0x66 &&
    (t.charCodeAt(5) | 0x20) === 0x66 &&
    t.charCodeAt(6) === 0x3a
  );
}

/** a.b.c.d in text[from, end) into out[off, off+4): decimal, no leading zeros. */
function dotted(text: string, from: number, end: number, out: Uint8Array, off: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[off + part++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9 || digits === 3 || (digits === 1 && value === 0)) return false;
    value = value * 10 + d;
    if (value > 255) return false;
    digits++;
  }
  return part === 4;
}

const v4 = new Uint8Array(4);

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x57;
  return -1;
}

/** Fill `words` from text[0, end): up to 8 hex groups, one `::`, an optional dotted tail. */
function hexGroups(text: string, end: number): boolean {
  let n = 0;
  let gap = -1;
  let i = 0;
  if (end >= 2 && text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let value = 0;
    let digits = 0;
    let j = i;
    for (; j < end; j++) {
      const h = hexDigit(text.charCodeAt(j));
      if (h < 0) break;
      if (++digits > 4) return false;
      value = value * 16 + h;
    }
    if (j < end && text.charCodeAt(j) === 0x2e) {
      // An IPv4 tail takes the last two words.
      if (n > 6 || !dotted(text, i, end, v4, 0)) return false;
      words[n++] = (v4[0] << 8) | v4[1];
      words[n++] = (v4[2] << 8) | v4[3];
      break;
    }
    if (digits === 0 || n === 8) return false;
    words[n++] = value;
    if (j === end) break;
    if (text.charCodeAt(j) !== 0x3a) return false;
    j++;
    if (j < end && text.charCodeAt(j) === 0x3a) {
      if (gap >= 0) return false;
      gap = n;
      j++;
    } else if (j === end) {
      return false;
    }
    i = j;
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false;
  // Move the groups after `::` to the end and zero the gap.
  const tail = n - gap;
  for (let k = 0; k < tail; k++) words[7 - k] = words[n - 1 - k];
  for (let k = gap; k < 8 - tail; k++) words[k] = 0;
  return true;
}

/** Text form of 4 or 16 address bytes (for the non-compact dictionary model). */
export function formatAddress(bytes: Uint8Array, off: number, family: 4 | 6): string {
  if (family === 4) return `${bytes[off]}.${bytes[off + 1]}.${bytes[off + 2]}.${bytes[off + 3]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[off + i * 2] << 8) | bytes[off + i * 2 + 1]);
  // RFC 5952: compress the longest run (length ≥ 2) of zero words.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
