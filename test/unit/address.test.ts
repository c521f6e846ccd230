// Byte-level tests of textual address parsing (IPv4, every IPv6 form, IPv4-mapped
// unmapping, zone ids, malformed input) and of RFC 5952 formatting.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatAddress, parseAddress } from '../../app/protocol/address.ts';
import { prng } from '../helpers/prng.ts';

function parse(text: string): { family: number; bytes: number[] } {
  const out = new Uint8Array(16).fill(0xee);
  const family = parseAddress(text, out);
  return { family, bytes: [...out.subarray(0, family === 4 ? 4 : 16)] };
}

function v6(...words: number[]): number[] {
  assert.equal(words.length, 8);
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** One test per text: it parses to `family` and exactly these bytes. */
function parsesTo(family: number, cases: [string, number[]][], title = (text: string) => text): void {
  for (const [text, bytes] of cases)
    test(title(text), () => assert.deepEqual(parse(text), { family, bytes }));
}

/** One test per text: it is refused (family 0). */
function refused(texts: string[]): void {
  for (const text of texts) {
    test(`malformed: ${JSON.stringify(text)}`, () => assert.equal(parseAddress(text, new Uint8Array(16)), 0));
  }
}

describe('parseAddress: IPv4', () => {
  parsesTo(4, [
    ['1.2.3.4', [1, 2, 3, 4]],
    ['0.0.0.0', [0, 0, 0, 0]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['127.0.0.1', [127, 0, 0, 1]],
    ['10.0.100.9', [10, 0, 100, 9]],
  ]);
  refused([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1.2.3.256',
    '1.2.3.1000',
    '01.2.3.4',
    '1.2.3.04',
    '1..2.3',
    '.1.2.3',
    '1.2.3.4.',
    '1.2.3.a',
    '-1.2.3.4',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '1.2.3.4/8',
    '0x1.2.3.4',
    '1.2.3.4%eth0',
  ]);
});

describe('parseAddress: IPv6', () => {
  parsesTo(6, [
    ['::', v6(0, 0, 0, 0, 0, 0, 0, 0)],
    ['::1', v6(0, 0, 0, 0, 0, 0, 0, 1)],
    ['1::', v6(1, 0, 0, 0, 0, 0, 0, 0)],
    ['2001:db8::1', v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)],
    ['2001:DB8:0:0:8:800:200C:417A', v6(0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a)],
    ['1:2:3:4:5:6:7:8', v6(1, 2, 3, 4, 5, 6, 7, 8)],
    ['1:2:3:4:5:6:7::', v6(1, 2, 3, 4, 5, 6, 7, 0)],
    ['::2:3:4:5:6:7:8', v6(0, 2, 3, 4, 5, 6, 7, 8)],
    ['1:2:3::6:7:8', v6(1, 2, 3, 0, 0, 6, 7, 8)],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', v6(...Array(8).fill(0xffff))],
    ['0001:0002::000a', v6(1, 2, 0, 0, 0, 0, 0, 10)],
    ['fe80::1%eth0', v6(0xfe80, 0, 0, 0, 0, 0, 0, 1)],
    ['fe80::abcd%25', v6(0xfe80, 0, 0, 0, 0, 0, 0, 0xabcd)],
    // Embedded IPv4 that is not mapped stays IPv6.
    ['::1.2.3.4', v6(0, 0, 0, 0, 0, 0, 0x102, 0x304)],
    ['64:ff9b::192.0.2.33', v6(0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x221)],
    ['1:2:3:4:5:6:1.2.3.4', v6(1, 2, 3, 4, 5, 6, 0x102, 0x304)],
    ['::ffff:0:1.2.3.4', v6(0, 0, 0, 0, 0xffff, 0, 0x102, 0x304)],
  ]);

  const mapped: [string, number[]][] = [
    ['::ffff:1.2.3.4', [1, 2, 3, 4]],
    ['::FFFF:127.0.0.1', [127, 0, 0, 1]],
    ['::ffff:0102:0304', [1, 2, 3, 4]],
    ['0:0:0:0:0:ffff:a00:1', [10, 0, 0, 1]],
    ['::ffff:255.255.255.255', [255, 255, 255, 255]],
  ];
  parsesTo(4, mapped, (text) => `IPv4-mapped ${text} is unmapped to IPv4`);

  refused([
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    '::1::',
    '12345::',
    'g::1',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
    ':1::',
    '1.2.3.4::',
    '1.2.3.4::1',
    '::1.2.3',
    '::1.2.3.4:5',
    '::1.2.3.4.5',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::ffff:256.1.1.1',
    '::ffff:01.2.3.4',
    'fe80::1%',
    '[::1]',
    ' ::1',
    '::1 ',
    '1:2:3:4:5:6:7:8%',
    '::-1',
    '::+1',
  ]);
});

describe('formatAddress', () => {
  const b = (...words: number[]) => Uint8Array.from(v6(...words));

  test('IPv4 as dotted decimal, read at an offset', () => {
    const bytes = Uint8Array.from([9, 9, 192, 168, 0, 255, 9]);
    assert.equal(formatAddress(bytes, 2, 4), '192.168.0.255');
    assert.equal(formatAddress(Uint8Array.from([0, 0, 0, 0]), 0, 4), '0.0.0.0');
  });

  const cases: [Uint8Array, string][] = [
    [b(0, 0, 0, 0, 0, 0, 0, 0), '::'],
    [b(0, 0, 0, 0, 0, 0, 0, 1), '::1'],
    [b(1, 0, 0, 0, 0, 0, 0, 0), '1::'],
    [b(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), '2001:db8::1'],
    // A single zero word is not compressed (RFC 5952 §4.2.2).
    [b(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), '2001:db8:0:1:1:1:1:1'],
    // The longest run is compressed (§4.2.3)…
    [b(0x2001, 0, 0, 1, 0, 0, 0, 1), '2001:0:0:1::1'],
    // …and of equal runs, the first.
    [b(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), '2001:db8::1:0:0:1'],
    // Lower case, no leading zeros (§4.1, §4.3).
    [b(0xabcd, 0xef, 0x0db8, 0x0a, 0, 0xffff, 0xfe80, 0x1), 'abcd:ef:db8:a:0:ffff:fe80:1'],
    [b(1, 2, 3, 4, 5, 6, 7, 8), '1:2:3:4:5:6:7:8'],
    [b(0, 0, 1, 0, 0, 0, 0, 0), '0:0:1::'],
  ];
  for (const [bytes, text] of cases) {
    test(`RFC 5952: ${text}`, () => {
      assert.equal(formatAddress(bytes, 0, 6), text);
      const shifted = new Uint8Array(20);
      shifted.set(bytes, 3);
      assert.equal(formatAddress(shifted, 3, 6), text, 'read at an offset');
    });
  }

  test('random addresses: formatted like the WHATWG URL parser does, and parse back to the same bytes', () => {
    const rnd = prng(5952);
    for (let i = 0; i < 2000; i++) {
      // Mostly zero words, so runs of every length and position occur.
      const words = Array.from({ length: 8 }, () => (rnd() < 0.5 ? 0 : Math.floor(rnd() * 65536)));
      // Mapped addresses are unmapped by parseAddress; keep them out of the round trip.
      if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) words[5] = 1;
      const bytes = b(...words);
      const text = formatAddress(bytes, 0, 6);
      const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
      assert.equal(text, canonical, `words ${words.join(',')}`);
      assert.deepEqual(parse(text), { family: 6, bytes: [...bytes] }, text);
    }
  });
});
