// RESP2 bytes both ways: what the writer encodes, and what the parser makes of replies
// whatever way the stream is split into chunks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  RespError,
  RespParser,
  RespProtocolError,
  type RespValue,
  RespWriter,
} from '../../app/protocol/resp.ts';
import { Rand } from '../helpers/prng.ts';

function parseAll(chunks: Buffer[]): RespValue[] {
  const got: RespValue[] = [];
  const p = new RespParser((v) => got.push(v));
  for (const c of chunks) p.feed(c);
  return got;
}

/** Values with Buffers as latin1 strings and errors as {error}, for deepEqual. */
function plain(v: RespValue): unknown {
  if (Buffer.isBuffer(v)) return { bulk: v.toString('latin1') };
  if (v instanceof RespError) return { error: v.message };
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

const STREAM = Buffer.from(
  [
    '+OK\r\n',
    '-NOSCRIPT No matching script. Please use EVAL.\r\n',
    ':0\r\n',
    ':-42\r\n',
    ':9007199254740991\r\n',
    '$5\r\nhello\r\n',
    '$0\r\n\r\n',
    '$-1\r\n',
    '*-1\r\n',
    '*0\r\n',
    '$4\r\na\r\nb\r\n', // CRLF inside a bulk string is data
    '*3\r\n:1\r\n*2\r\n$1\r\nx\r\n$-1\r\n-ERR inner\r\n',
    '*2\r\n*1\r\n*1\r\n:7\r\n+deep\r\n',
  ].join(''),
  'latin1',
);

const EXPECTED = [
  'OK',
  { error: 'NOSCRIPT No matching script. Please use EVAL.' },
  0,
  -42,
  9007199254740991,
  { bulk: 'hello' },
  { bulk: '' },
  null,
  null,
  [],
  { bulk: 'a\r\nb' },
  [1, [{ bulk: 'x' }, null], { error: 'ERR inner' }],
  [[[7]], 'deep'],
];

describe('RespParser', () => {
  test('every reply type, in one chunk', () => {
    assert.deepEqual(parseAll([STREAM]).map(plain), EXPECTED);
  });

  test('any split into two chunks gives the same replies', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const got = parseAll([STREAM.subarray(0, cut), STREAM.subarray(cut)]);
      assert.deepEqual(got.map(plain), EXPECTED, `split at ${cut}`);
    }
  });

  test('one byte at a time gives the same replies', () => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < STREAM.length; i++) chunks.push(STREAM.subarray(i, i + 1));
    assert.deepEqual(parseAll(chunks).map(plain), EXPECTED);
  });

  test('random splits into many chunks give the same replies', () => {
    const r = new Rand(7);
    for (let round = 0; round < 200; round++) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < STREAM.length; ) {
        const n = 1 + r.int(20);
        chunks.push(STREAM.subarray(at, at + n));
        at += n;
      }
      assert.deepEqual(parseAll(chunks).map(plain), EXPECTED, `round ${round}`);
    }
  });

  test('a replies callback sees each reply as soon as it is complete', () => {
    const got: RespValue[] = [];
    const p = new RespParser((v) => got.push(v));
    p.feed(Buffer.from(':1\r\n:2'));
    assert.deepEqual(got, [1]);
    p.feed(Buffer.from('\r\n'));
    assert.deepEqual(got, [1, 2]);
  });

  test('a big bulk string across many chunks arrives whole and byte-exact', () => {
    const body = new Rand(3).bytes(3 * 1024 * 1024 + 17);
    const stream = Buffer.concat([Buffer.from(`*2\r\n$${body.length}\r\n`), body, Buffer.from('\r\n:5\r\n')]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < stream.length; at += 65536) chunks.push(stream.subarray(at, at + 65536));
    const got = parseAll(chunks);
    assert.equal(got.length, 1);
    const [bulk, five] = got[0] as [Buffer, number];
    assert.equal(Buffer.compare(bulk, body), 0);
    assert.equal(five, 5);
  });

  test('binary bulk strings keep every byte value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const got = parseAll([Buffer.concat([Buffer.from('$256\r\n'), all, Buffer.from('\r\n')])]);
    assert.equal(Buffer.compare(got[0] as Buffer, all), 0);
  });

  test('a broken stream throws RespProtocolError instead of guessing', () => {
    for (const bad of ['?x\r\n', ':12a\r\n', '$3\r\nabcd\r\n', ':1\rx', '$\r\n']) {
      assert.throws(() => parseAll([Buffer.from(bad)]), RespProtocolError, JSON.stringify(bad));
    }
  });

  test('reset drops a partial reply', () => {
    const got: RespValue[] = [];
    const p = new RespParser((v) => got.push(v));
    p.feed(Buffer.from('$10\r\nabc'));
    p.reset();
    p.feed(Buffer.from(':3\r\n'));
    assert.deepEqual(got, [3]);
  });
});

describe('RespWriter', () => {
  test('encodes commands as arrays of bulk strings', () => {
    const w = new RespWriter();
    w.array(4);
    w.str('SET');
    w.str('k');
    w.int(1234567);
    w.bytes(Buffer.from([0, 13, 10, 255]), 0, 4);
    w.array(2);
    w.int(0);
    w.int(-5);
    assert.equal(
      w.take().toString('latin1'),
      '*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$7\r\n1234567\r\n$4\r\n\x00\r\n\xff\r\n*2\r\n$1\r\n0\r\n$2\r\n-5\r\n',
    );
    assert.equal(w.length, 0, 'take empties the writer');
  });

  test('hexKey writes head + hex of the bytes + tail as one bulk string', () => {
    const w = new RespWriter();
    const hash = Buffer.from('00ff10abcdef', 'hex');
    w.hexKey(
      Buffer.from('p:{'),
      Buffer.concat([Buffer.alloc(2, 9), hash]),
      2,
      hash.length,
      Buffer.from('}s4'),
    );
    assert.equal(w.take().toString(), '$18\r\np:{00ff10abcdef}s4\r\n');
  });

  test('bytes honours the offset; raw copies bytes as they are; rewind forgets', () => {
    const w = new RespWriter();
    w.bytes(Buffer.from('xxabcxx'), 2, 3);
    const mark = w.length;
    w.str('dropped');
    w.rewind(mark);
    w.raw(Buffer.from('..:1\r\n..'), 2, 6);
    assert.equal(w.take().toString(), '$3\r\nabc\r\n:1\r\n');
  });

  test('grows past its first buffer and what it writes parses back', () => {
    const w = new RespWriter();
    const big = new Rand(5).bytes(100_000);
    w.array(3);
    w.str('X');
    w.bytes(big, 0, big.length);
    w.int(Number.MAX_SAFE_INTEGER);
    const got = parseAll([w.take()]);
    const [x, b, n] = got[0] as [Buffer, Buffer, Buffer];
    assert.equal(x.toString(), 'X');
    assert.equal(Buffer.compare(b, big), 0);
    assert.equal(n.toString(), String(Number.MAX_SAFE_INTEGER));
  });
});
