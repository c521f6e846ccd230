// The allocation-free address parser (protocol/address.ts) must agree with an
// independent reference parser on every form node:dgram reports, and refuse malformed text.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddress } from '../../app/protocol/address.ts';
import { referenceParseAddress } from '../helpers/address-reference.ts';

function both(text: string): { fast: string; ref: string } {
  const a = new Uint8Array(16);
  const b = new Uint8Array(16);
  const fa = parseAddress(text, a);
  const fb = referenceParseAddress(text, b);
  const show = (f: number, x: Uint8Array) =>
    f === 0 ? '0' : `${f}:${Buffer.from(x.subarray(0, f === 4 ? 4 : 16)).toString('hex')}`;
  return { fast: show(fa, a), ref: show(fb, b) };
}

test('forms a socket reports', () => {
  const cases: [string, string][] = [
    ['127.0.0.1', '4:7f000001'],
    ['::ffff:127.0.0.1', '4:7f000001'],
    ['::FFFF:10.1.2.3', '4:0a010203'],
    ['::ffff:7f00:1', '4:7f000001'],
    ['::1', `6:${'00'.repeat(15)}01`],
    ['::', `6:${'00'.repeat(16)}`],
    ['2001:db8::8a2e:370:7334', '6:20010db80000000000008a2e03707334'],
    ['fe80::1%eth0', '6:fe800000000000000000000000000001'],
    ['1:2:3:4:5:6:7:8', '6:00010002000300040005000600070008'],
    ['1::', '6:00010000000000000000000000000000'],
    ['64:ff9b::192.0.2.33', '6:0064ff9b0000000000000000c0000221'],
    ['::ffff:192.0.2.1%eth0', '4:c0000201'],
  ];
  for (const [text, want] of cases) {
    const { fast, ref } = both(text);
    assert.equal(fast, want, text);
    assert.equal(ref, want, `reference ${text}`);
  }
});

test('malformed text is refused', () => {
  const bad = [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.1.1.1',
    '1.2.3.4 ',
    ':',
    ':1',
    '1:',
    '1:::2',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '12345::',
    'g::1',
    '::1.2.3',
    '1.2.3.4::',
    '::ffff:1.2.3.256',
    '::ffff:1.2.3.4%',
    'fe80::1%',
    '::ffff:1.2.3.4.5',
  ];
  for (const text of bad) assert.equal(parseAddress(text, new Uint8Array(16)), 0, JSON.stringify(text));
});

test('agrees with the reference parser on random addresses and random junk', () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const alphabet = '0123456789abcdefABCDEF:.%';
  for (let i = 0; i < 20000; i++) {
    let text: string;
    const kind = rnd(5);
    if (kind === 0) text = Array.from({ length: 4 }, () => rnd(256)).join('.');
    else if (kind === 1) text = `::ffff:${Array.from({ length: 4 }, () => rnd(256)).join('.')}`;
    else if (kind === 2) {
      const words = Array.from({ length: 8 }, () => (rnd(3) === 0 ? 0 : rnd(65536)).toString(16));
      text = words.join(':');
      const zeros = text.match(/(^|:)0(:0)+(:|$)/);
      if (zeros && rnd(2) === 0) text = text.replace(zeros[0], '::');
    } else {
      const junk = Array.from({ length: 1 + rnd(20) }, () => alphabet[rnd(alphabet.length)]).join('');
      text = kind === 3 ? junk : `::ffff:${junk}`;
    }
    const { fast, ref } = both(text);
    assert.equal(fast, ref, JSON.stringify(text));
  }
});
