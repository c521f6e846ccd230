// Byte-level tests of the bencode writer (BEP 3): every method, buffer growth and reuse,
// and the failure dict with and without BEP 31 `retry in`.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BencodeWriter, encodeFailure, encodeKey } from '../../app/protocol/bencode.ts';
import { bdecode, bdict } from '../helpers/bdecode.ts';

const text = (w: BencodeWriter) => w.copy().toString('latin1');

describe('BencodeWriter', () => {
  test('dict, list and end write d, l and e', () => {
    const w = new BencodeWriter(16);
    w.dict().list().end().list().list().end().end().end();
    assert.equal(text(w), 'dlelleee');
  });

  test('int writes i<n>e for zero, negatives, large values, and truncates fractions', () => {
    const w = new BencodeWriter();
    w.int(0).int(-5).int(42).int(Number.MAX_SAFE_INTEGER).int(3.7).int(-3.7).int(-0);
    assert.equal(text(w), `i0ei-5ei42ei${Number.MAX_SAFE_INTEGER}ei3ei-3ei0e`);
  });

  test('int and byte-string lengths write the same digits as String() at every magnitude', () => {
    const w = new BencodeWriter();
    const values: number[] = [];
    for (let p = 1; p <= Number.MAX_SAFE_INTEGER; p *= 10) values.push(p - 1, p, p + 1, 9 * p, -p);
    values.push(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1e21);
    for (const v of values) {
      w.reset().int(v);
      assert.equal(text(w), `i${String(v)}e`, String(v));
    }
    for (const len of [0, 1, 9, 10, 99, 100, 101, 1000]) {
      w.reset().bytes(Buffer.alloc(len, 0x61));
      assert.equal(text(w), `${len}:${'a'.repeat(len)}`);
    }
    w.reset().bytes(Buffer.from('xxabcdefyy'), 2, 8);
    assert.equal(text(w), '6:abcdef', 'bytes(start, end) takes exactly that range');
  });

  test('str writes the UTF-8 byte length, not the character count', () => {
    const w = new BencodeWriter();
    w.str('').str('abc').str('é').str('中文');
    assert.deepEqual(
      w.copy(),
      Buffer.concat([Buffer.from('0:3:abc2:'), Buffer.from('é'), Buffer.from('6:'), Buffer.from('中文')]),
    );
  });

  test('bytes copies exactly [start, end) of binary data', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const w = new BencodeWriter();
    w.bytes(all).bytes(all, 250).bytes(all, 1, 3).bytes(all, 7, 7);
    const expected = Buffer.concat([
      Buffer.from('256:'),
      all,
      Buffer.from('6:'),
      all.subarray(250),
      Buffer.from('2:'),
      Buffer.from([1, 2]),
      Buffer.from('0:'),
    ]);
    assert.deepEqual(w.copy(), expected);
  });

  test('strHeader writes <len>: and leaves the payload to the caller', () => {
    const w = new BencodeWriter(4);
    w.strHeader(12);
    assert.equal(text(w), '12:');
    assert.ok(w.buf.length >= w.pos + 12, 'room is made for the payload');
  });

  test('raw appends pre-encoded bytes such as keys', () => {
    const w = new BencodeWriter(2);
    w.dict().raw(encodeKey('interval')).int(1800).end();
    assert.equal(text(w), 'd8:intervali1800ee');
  });

  test('encodeKey is <byte length>:<key> in UTF-8', () => {
    assert.deepEqual(encodeKey('peer id'), Buffer.from('7:peer id'));
    assert.deepEqual(encodeKey(''), Buffer.from('0:'));
    assert.deepEqual(encodeKey('ü'), Buffer.concat([Buffer.from('2:'), Buffer.from('ü')]));
  });

  test('take() hands out views that later results never overwrite', () => {
    const w = new BencodeWriter(8192);
    const taken: Buffer[] = [];
    const expected: string[] = [];
    // Enough results to run past the first buffer several times, some larger than it.
    for (let i = 0; i < 400; i++) {
      const payload = Buffer.alloc(i % 50 === 49 ? 20_000 : i % 97, 0x61 + (i % 26));
      w.reset().dict().raw(encodeKey('n')).int(i).raw(encodeKey('s')).bytes(payload).end();
      taken.push(w.take());
      expected.push(`d1:ni${i}e1:s${payload.length}:${payload.toString('latin1')}e`);
    }
    for (let i = 0; i < taken.length; i++) assert.equal(taken[i].toString('latin1'), expected[i]);
    assert.ok(new Set(taken.map((b) => b.buffer)).size > 1, 'new buffers were started');
    assert.ok(w.buf.length <= 8192 * 8, `the buffer stays near its size (${w.buf.length})`);
  });

  test('reset() after take() starts the next result empty', () => {
    const w = new BencodeWriter(64);
    w.int(1);
    assert.equal(w.take().toString(), 'i1e');
    w.int(22);
    w.reset().int(3);
    assert.equal(w.take().toString(), 'i3e');
  });

  test('raw() copies long pre-encoded bytes too', () => {
    const w = new BencodeWriter(16);
    const long = encodeKey('k'.repeat(300));
    w.raw(long);
    assert.deepEqual(w.copy(), long);
  });

  test('the buffer grows from one byte to whatever is written, keeping what was there', () => {
    const w = new BencodeWriter(1);
    const big = Buffer.alloc(100_000, 0x61);
    w.list();
    for (let i = 0; i < 50; i++) w.int(i);
    w.bytes(big).str('x'.repeat(70_000)).end();
    const v = bdecode(w.copy()) as unknown[];
    assert.equal(v.length, 52);
    assert.deepEqual(
      v.slice(0, 50),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual(v[50], big);
    assert.equal((v[51] as Buffer).length, 70_000);
  });

  test('ensure makes room for n more bytes and never shrinks', () => {
    const w = new BencodeWriter(8);
    w.raw(Buffer.from('abcdef'));
    w.ensure(1000);
    assert.ok(w.buf.length >= 1006);
    assert.equal(text(w), 'abcdef');
    const len = w.buf.length;
    w.ensure(1);
    assert.equal(w.buf.length, len);
  });

  test('reset starts over in the same buffer, and copy is independent of it', () => {
    const w = new BencodeWriter(64);
    const buf = w.buf;
    const first = w.dict().raw(encodeKey('a')).int(1).end().copy();
    w.reset().list().int(2).end();
    assert.equal(w.buf, buf, 'no new buffer on reset');
    assert.equal(first.toString(), 'd1:ai1ee', 'a copy is not changed by later writes');
    assert.equal(text(w), 'li2ee');
    assert.equal(w.reset().copy().length, 0);
  });
});

describe('encodeFailure', () => {
  test('a failure reason alone', () => {
    assert.equal(encodeFailure('bad thing').toString(), 'd14:failure reason9:bad thinge');
  });

  test('with retry in: never (BEP 31), keys in sorted order', () => {
    const out = encodeFailure('invalid port', true);
    assert.equal(out.toString(), 'd14:failure reason12:invalid port8:retry in5:nevere');
    const d = bdict(out);
    assert.deepEqual(Object.keys(d), ['failure reason', 'retry in']);
    assert.equal((d['retry in'] as Buffer).toString(), 'never');
  });

  test('UTF-8 reasons are measured in bytes and long ones grow the buffer', () => {
    const reason = `ü${'x'.repeat(5000)}中`;
    const d = bdict(encodeFailure(reason, true));
    assert.equal((d['failure reason'] as Buffer).toString('utf8'), reason);
  });
});
