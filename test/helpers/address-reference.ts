// A second, independent IPv4/IPv6 text parser (split-based, the app's original one),
// kept only as the reference the app's allocation-free parseAddress is checked against.

const V4 = 4;
const V6 = 6;
type Family = typeof V4 | typeof V6;

/**
 * Parse a textual IPv4 or IPv6 address into out (4 or 16 bytes at offset 0).
 * Returns the family (4 or 6; mapped addresses come back as 4) or 0 if malformed.
 */
export function referenceParseAddress(text: string, out: Uint8Array): 0 | Family {
  if (text.indexOf(':') < 0) return parseV4(text, out, 0) ? V4 : 0;
  if (!parseV6(text, out)) return 0;
  if (isMapped(out)) {
    out.copyWithin(0, 12, 16);
    return V4;
  }
  return V6;
}

function isMapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function parseV4(text: string, out: Uint8Array, off: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[off + part++] = value;
      value = 0;
      digits = 0;
    } else {
      const d = c - 0x30;
      if (d < 0 || d > 9 || digits === 3) return false;
      if (digits === 1 && value === 0) return false; // no leading zeros (octal ambiguity)
      value = value * 10 + d;
      if (value > 255) return false;
      digits++;
    }
  }
  return part === 4;
}

function parseV6(text: string, out: Uint8Array): boolean {
  const zone = text.indexOf('%');
  if (zone === text.length - 1) return false; // `%` needs a zone id after it (RFC 6874)
  const s = zone >= 0 ? text.slice(0, zone) : text;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return false;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const hp = head === '' ? [] : head.split(':');
  const tp = tail === '' ? [] : tail.split(':');
  const words: number[] = [];
  const parts = [...hp, ...tp];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.indexOf('.') >= 0) {
      // An embedded IPv4 is the last 32 bits: last part, and not before a `::` (`1.2.3.4::`).
      if (i !== parts.length - 1 || (dbl >= 0 && tp.length === 0)) return false;
      const b = new Uint8Array(4);
      if (!parseV4(p, b, 0)) return false;
      words.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
    words.push(Number.parseInt(p, 16));
  }
  const headWords = hp.length;
  const tailWords = words.length - headWords;
  if (dbl < 0 && words.length !== 8) return false;
  if (dbl >= 0 && words.length > 7) return false;
  out.fill(0, 0, 16);
  for (let i = 0; i < headWords; i++) {
    out[i * 2] = words[i] >> 8;
    out[i * 2 + 1] = words[i] & 0xff;
  }
  for (let i = 0; i < tailWords; i++) {
    const w = words[headWords + i];
    const at = 8 - tailWords + i;
    out[at * 2] = w >> 8;
    out[at * 2 + 1] = w & 0xff;
  }
  return true;
}
