// A strict bencode decoder for tests: byte strings stay Buffers so binary fields
// (compact peers, hashes) can be compared byte for byte. Throws on anything malformed
// or left over, so a test fails on a malformed reply.

export type BValue = number | Buffer | BValue[] | { [key: string]: BValue };

export function bdecode(data: Buffer): BValue {
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`bad bencode at ${pos}: ${why}`);
  };
  const readInt = (end: number): number => {
    const text = data.toString('latin1', pos, end);
    if (!/^(0|-?[1-9]\d*)$/.test(text)) fail(`bad integer ${JSON.stringify(text)}`);
    pos = end + 1;
    return Number(text);
  };
  const value = (): BValue => {
    const c = data[pos];
    if (c === undefined) return fail('unexpected end');
    if (c === 0x69) {
      pos++;
      const end = data.indexOf(0x65, pos);
      if (end < 0) fail('unterminated integer');
      return readInt(end);
    }
    if (c === 0x6c) {
      pos++;
      const list: BValue[] = [];
      while (data[pos] !== 0x65) list.push(value());
      pos++;
      return list;
    }
    if (c === 0x64) {
      pos++;
      const dict: { [key: string]: BValue } = {};
      let last: Buffer | undefined;
      while (data[pos] !== 0x65) {
        const key = value();
        if (!Buffer.isBuffer(key)) fail('dict key is not a string');
        const k = key as Buffer;
        if (last && Buffer.compare(last, k) >= 0) fail(`dict keys not sorted: ${k.toString('latin1')}`);
        last = k;
        dict[k.toString('latin1')] = value();
      }
      pos++;
      return dict;
    }
    if (c >= 0x30 && c <= 0x39) {
      const colon = data.indexOf(0x3a, pos);
      if (colon < 0) fail('unterminated string length');
      const len = readInt(colon);
      if (pos + len > data.length) fail('string runs past the end');
      const s = data.subarray(pos, pos + len);
      pos += len;
      return Buffer.from(s);
    }
    return fail(`unexpected byte ${c}`);
  };
  const v = value();
  if (pos !== data.length) fail('trailing bytes');
  return v;
}

/** Decode a dict reply, keys as latin1 strings. */
export function bdict(data: Buffer): { [key: string]: BValue } {
  const v = bdecode(data);
  if (typeof v !== 'object' || Buffer.isBuffer(v) || Array.isArray(v)) throw new Error('reply is not a dict');
  return v;
}
