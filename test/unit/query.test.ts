// Byte-level tests of the binary-safe query decoder and parseUint.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseUint, QueryReader } from '../../app/protocol/query.ts';

function parsed(raw: string, q = new QueryReader()): QueryReader {
  assert.equal(q.parse(raw), true, `parse(${JSON.stringify(raw.slice(0, 80))}) failed: ${q.error}`);
  return q;
}

/** Parameter i's value as latin1 text (bare keys read as "1"). */
function str(q: QueryReader, i: number): string {
  return Buffer.from(q.source(i).subarray(q.offset(i), q.offset(i) + q.length(i))).toString('latin1');
}

function value(q: QueryReader, key: string): Buffer {
  const i = q.indexOf(key);
  assert.ok(i >= 0, `no ${key}`);
  return Buffer.from(q.bytes(i));
}

describe('QueryReader', () => {
  test('every byte value 0..255 decodes from %XX, upper and lower case', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const upper = [...all].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    const lower = upper.toLowerCase();
    const q = parsed(`u=${upper}&l=${lower}`);
    assert.deepEqual(value(q, 'u'), all);
    assert.deepEqual(value(q, 'l'), all);
    assert.equal(q.length(q.indexOf('u')), 256);
  });

  test('each byte alone, as a 20-byte info_hash would carry it', () => {
    const q = new QueryReader();
    for (let b = 0; b < 256; b++) {
      const hex = b.toString(16).padStart(2, '0');
      parsed(`info_hash=${`%${hex}`.repeat(20)}`, q);
      assert.deepEqual(value(q, 'info_hash'), Buffer.alloc(20, b), `byte ${b}`);
    }
  });

  test('unescaped characters up to 0xff are taken as bytes', () => {
    const q = parsed("a=abc-._~!*'()&b=\u00e9\u00ff\u0080&c=%41B");
    assert.deepEqual(value(q, 'a'), Buffer.from("abc-._~!*'()"));
    assert.deepEqual(value(q, 'b'), Buffer.from([0xe9, 0xff, 0x80]));
    assert.deepEqual(value(q, 'c'), Buffer.from('AB'));
  });

  test('+ decodes to a space, %2B to a plus', () => {
    const q = parsed('a=1+2&b=1%2B2&c+d=x');
    assert.equal(str(q, q.indexOf('a')), '1 2');
    assert.equal(str(q, q.indexOf('b')), '1+2');
    assert.equal(str(q, q.indexOf('c d')), 'x');
  });

  test('keys are decoded too', () => {
    const q = parsed('info%5Fhash=x&peer%5fid=y');
    assert.deepEqual(q.keys.slice(0, q.count), ['info_hash', 'peer_id']);
  });

  test('repeated keys: indexOf finds the last, iterating shows all in order', () => {
    const q = parsed('info_hash=a&x=1&info_hash=b&info_hash=c');
    assert.equal(q.count, 4);
    assert.equal(str(q, q.indexOf('info_hash')), 'c');
    const all: string[] = [];
    for (let i = 0; i < q.count; i++) if (q.keys[i] === 'info_hash') all.push(str(q, i));
    assert.deepEqual(all, ['a', 'b', 'c']);
    assert.equal(q.indexOf('missing'), -1);
  });

  test('a bare key reads as "1"; an empty value as ""', () => {
    const q = parsed('compact&no_peer_id&e=&x=2');
    const c = q.indexOf('compact');
    assert.equal(str(q, c), '1');
    assert.deepEqual(Buffer.from(q.bytes(c)), Buffer.from('1'));
    assert.equal(q.length(c), 1);
    assert.equal(str(q, q.indexOf('no_peer_id')), '1');
    const e = q.indexOf('e');
    assert.equal(str(q, e), '');
    assert.equal(q.length(e), 0);
    assert.equal(str(q, q.indexOf('x')), '2');
  });

  test('empty parameters are skipped; = inside a value is kept', () => {
    const q = parsed('&&a=b=c&&');
    assert.equal(q.count, 1);
    assert.equal(str(q, 0), 'b=c');
    assert.equal(parsed('').count, 0);
    const empty = parsed('=v');
    assert.equal(empty.count, 1);
    assert.equal(empty.keys[0], '');
  });

  for (const bad of ['%', 'a=%', 'a=%4', 'a=%zz', 'a=%G0', 'a=%0G', 'a=% 1', '%%41', 'a=1&b=%4']) {
    test(`malformed escape: ${JSON.stringify(bad)}`, () => {
      const q = new QueryReader();
      assert.equal(q.parse(bad), false);
      assert.equal(q.error, 'malformed escape');
      assert.equal(q.count, 0);
    });
  }

  for (const bad of ['a=\u0100', 'a=中', '\u20ac=1', 'a=1&b=x\ud83d\ude00', 'a=%\u01411']) {
    test(`characters beyond one byte are refused: ${JSON.stringify(bad)}`, () => {
      const q = new QueryReader();
      assert.equal(q.parse(bad), false);
      assert.equal(q.error, 'invalid character');
      assert.equal(q.count, 0);
    });
  }

  test('too long: more than maxLength characters', () => {
    const q = new QueryReader(256, 100);
    assert.equal(q.parse(`a=${'x'.repeat(98)}`), true);
    assert.equal(q.parse(`a=${'x'.repeat(99)}`), false);
    assert.equal(q.error, 'too long');
    const def = new QueryReader();
    assert.equal(def.parse(`a=${'x'.repeat(10_000)}`), false);
    assert.equal(def.error, 'too long');
  });

  test('too many parameters: more than maxParams', () => {
    const q = new QueryReader(4);
    assert.equal(q.parse('a=1&b=2&c=3&d'), true);
    assert.equal(q.count, 4);
    assert.equal(q.parse('a=1&b=2&c=3&d&e=5'), false);
    assert.equal(q.error, 'too many parameters');
    const def = new QueryReader();
    assert.equal(def.parse(Array.from({ length: 257 }, (_, i) => `k${i}=1`).join('&')), false);
    assert.equal(def.error, 'too many parameters');
  });

  test('the reader is reusable: a parse after a failure or a longer query starts clean', () => {
    const q = new QueryReader();
    parsed('a=1&b=2&c=3', q);
    assert.equal(q.parse('%zz'), false);
    parsed('b=9', q);
    assert.equal(q.error, undefined);
    assert.equal(q.count, 1);
    assert.equal(q.indexOf('a'), -1, 'no parameter of an earlier query survives');
    assert.equal(str(q, q.indexOf('b')), '9');
  });
});

/** parseUint over the UTF-8 bytes of `text`, between one byte of padding on each side. */
function uint(text: string): number {
  const b = Buffer.from(`x${text}x`, 'utf8');
  return parseUint(b, 1, b.length - 1);
}

describe('QueryReader without strings', () => {
  test('known keys, escaped or not, read as the same key; unknown keys too', () => {
    const q = parsed('info_hash=a&peer%5Fid=b&port=1&numwan%74=2&no_peer_id&info_hasX=c&x=d&Port=e');
    assert.deepEqual(q.keys.slice(0, q.count), [
      'info_hash',
      'peer_id',
      'port',
      'numwant',
      'no_peer_id',
      'info_hasX',
      'x',
      'Port',
    ]);
    assert.equal(q.indexOf('port'), 2);
    assert.equal(q.indexOf('Port'), 7);
  });

  test('is() compares the decoded value, bare keys read as "1"', () => {
    const q = parsed('event=started&compact=0&a=starte&b=startedx&c=%73tarted&no_peer_id&e=');
    assert.equal(q.is(q.indexOf('event'), 'started'), true);
    assert.equal(q.is(q.indexOf('event'), 'stopped'), false);
    assert.equal(q.is(q.indexOf('compact'), '0'), true);
    assert.equal(q.is(q.indexOf('a'), 'started'), false);
    assert.equal(q.is(q.indexOf('b'), 'started'), false);
    assert.equal(q.is(q.indexOf('c'), 'started'), true);
    assert.equal(q.is(q.indexOf('no_peer_id'), '1'), true);
    assert.equal(q.is(q.indexOf('e'), ''), true);
    assert.equal(q.is(q.indexOf('e'), '0'), false);
  });

  test('uint() reads numbers from the bytes; bare keys are 1, anything else -1', () => {
    const q = parsed('port=6881&left=%30%31&n=-1&m=&numwant&big=9007199254740991&x=1e3');
    assert.equal(q.uint(q.indexOf('port')), 6881);
    assert.equal(q.uint(q.indexOf('left')), 1);
    assert.equal(q.uint(q.indexOf('n')), -1);
    assert.equal(q.uint(q.indexOf('m')), -1);
    assert.equal(q.uint(q.indexOf('numwant')), 1);
    assert.equal(q.uint(q.indexOf('big')), Number.MAX_SAFE_INTEGER);
    assert.equal(q.uint(q.indexOf('x')), -1);
  });

  test('source() and offset() locate a value without copying it', () => {
    const q = parsed('a=xyz&info_hash=%00%01%02&flag');
    const i = q.indexOf('info_hash');
    assert.equal(q.source(i), q.buf);
    assert.deepEqual(q.buf.subarray(q.offset(i), q.offset(i) + q.length(i)), Buffer.from([0, 1, 2]));
    const f = q.indexOf('flag');
    assert.deepEqual(q.source(f).subarray(q.offset(f), q.offset(f) + q.length(f)), Buffer.from('1'));
  });

  test('parse(raw, from) reads from an offset, as from a whole request URL', () => {
    const q = new QueryReader();
    const url = '/announce?port=7&event=stopped';
    assert.equal(q.parse(url, url.indexOf('?') + 1), true);
    assert.deepEqual(q.keys.slice(0, q.count), ['port', 'event']);
    assert.equal(q.uint(0), 7);
    assert.equal(q.parse(url, url.length), true);
    assert.equal(q.count, 0);
    assert.equal(q.parseTarget('/scrape?info_hash=%41&x'), true);
    assert.deepEqual(q.keys.slice(0, q.count), ['info_hash', 'x']);
    assert.equal(q.parseTarget('/scrape'), true);
    assert.equal(q.count, 0, 'a target without ? has an empty query');
    const small = new QueryReader(8, 10);
    const long = `/x?${'a'.repeat(10)}`;
    assert.equal(small.parse(long, 3), true, 'maxLength counts from the offset');
    assert.equal(small.parse(`${long}a`, 3), false);
    assert.equal(small.error, 'too long');
  });
});

describe('parseUint', () => {
  test('strict decimal non-negative integers', () => {
    assert.equal(uint('0'), 0);
    assert.equal(uint('6881'), 6881);
    assert.equal(uint('00012'), 12);
    assert.equal(uint('9007199254740991'), Number.MAX_SAFE_INTEGER);
    assert.ok(
      uint('99999999999999999999') > Number.MAX_SAFE_INTEGER,
      'twenty digits are read (callers check safety)',
    );
  });

  for (const bad of [
    '',
    '-1',
    '+1',
    '1e3',
    '1.5',
    ' 1',
    '1 ',
    '0x10',
    'abc',
    '١٢',
    '123456789012345678901',
  ]) {
    test(`refuses ${JSON.stringify(bad)}`, () => {
      assert.equal(uint(bad), -1);
    });
  }
});
