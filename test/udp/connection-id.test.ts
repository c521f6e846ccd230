// SipHash-2-4 against reference vectors, and the stateless connection ids built on it,
// driven by an injected clock.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ConnectionIds } from '../../app/frontend/udp/connection-id.ts';
import { SipHash24 } from '../../app/frontend/udp/siphash.ts';

describe('SipHash-2-4', () => {
  // Key 00..0f, message 00..(n-1): outputs from the reference implementation's vector
  // table (the first rows) and `openssl mac -macopt hexkey:000102…0f -macopt size:8 SIPHASH`.
  const vectors: [number, string][] = [
    [0, '310e0edd47db6f72'],
    [1, 'fd67dc93c539f874'],
    [7, '37d1018bf50002ab'],
    [8, '6224939a79f5f593'],
    [15, 'e545be4961ca29a1'],
    [24, '94af49f6c650adb8'],
    [63, '724506eb4c328a95'],
  ];
  const sip = new SipHash24(Uint8Array.from({ length: 16 }, (_, i) => i));
  for (const [n, want] of vectors) {
    test(`${n}-byte message`, () => {
      const msg = Uint8Array.from({ length: n + 3 }, (_, i) => (i < 3 ? 0xaa : i - 3));
      const out = new Uint8Array(10);
      sip.hash(msg, 3, n, out, 1);
      assert.equal(Buffer.from(out.subarray(1, 9)).toString('hex'), want);
    });
  }

  test('the key must be 16 bytes', () => {
    assert.throws(() => new SipHash24(new Uint8Array(15)), RangeError);
  });
});

describe('connection ids', () => {
  const v4 = Uint8Array.from([192, 0, 2, 7, ...new Uint8Array(12)]);
  const v6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Uint8Array(11), 9]);
  const secret = new Uint8Array(16).fill(7);

  function make(expiry = 360, start = 1_700_000_000_000) {
    const clock = { t: start };
    const ids = new ConnectionIds({ expiry, now: () => clock.t, secret });
    return { ids, clock };
  }

  test('an issued id checks for the same address only', () => {
    const { ids } = make();
    const id = new Uint8Array(8);
    ids.issue(id, 0, v4, 4);
    assert.equal(ids.check(id, 0, v4, 4), true);
    const other = Uint8Array.from(v4);
    other[3] = 8;
    assert.equal(ids.check(id, 0, other, 4), false);
    assert.equal(ids.check(id, 0, v6, 6), false);
    ids.issue(id, 0, v6, 6);
    assert.equal(ids.check(id, 0, v6, 6), true);
    assert.equal(ids.check(id, 0, v4, 4), false);
  });

  test('IPv4 is hashed as its mapped form, so bytes past the 4th do not matter', () => {
    const { ids } = make();
    const id = new Uint8Array(8);
    ids.issue(id, 0, v4, 4);
    const dirty = Uint8Array.from(v4);
    dirty.fill(0x55, 4);
    assert.equal(ids.check(id, 0, dirty, 4), true);
  });

  test('every single-bit change of an id is refused', () => {
    const { ids } = make();
    const id = new Uint8Array(8);
    ids.issue(id, 0, v4, 4);
    for (let bit = 0; bit < 64; bit++) {
      const forged = Uint8Array.from(id);
      forged[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(ids.check(forged, 0, v4, 4), false, `bit ${bit}`);
    }
  });

  test('another secret (a restarted tracker) refuses old ids', () => {
    const { ids } = make();
    const id = new Uint8Array(8);
    ids.issue(id, 0, v4, 4);
    const other = new ConnectionIds({ expiry: 360, now: () => 1_700_000_000_000, secret: randomBytes(16) });
    assert.equal(other.check(id, 0, v4, 4), false);
  });

  test('one secret shared by two instances: each accepts the ids of the other', () => {
    const a = make().ids;
    const b = make().ids;
    const id = new Uint8Array(8);
    a.issue(id, 0, v6, 6);
    assert.equal(b.check(id, 0, v6, 6), true);
  });

  test('an instance one bucket behind the issuer (timer or clock) still accepts its ids', () => {
    const start = 1_700_000_000_000;
    const behind = make(360, start);
    const ahead = make(360, start + behind.ids.bucketMs);
    const id = new Uint8Array(8);
    ahead.ids.issue(id, 0, v4, 4);
    assert.equal(behind.ids.check(id, 0, v4, 4), true);
    const other = Uint8Array.from(v4);
    other[0] ^= 1;
    assert.equal(behind.ids.check(id, 0, other, 4), false, 'the tag still counts');
  });

  test('every byte of an IPv6 address counts', () => {
    const { ids } = make();
    const id = new Uint8Array(8);
    ids.issue(id, 0, v6, 6);
    for (let k = 0; k < 16; k++) {
      const near = Uint8Array.from(v6);
      near[k] ^= 1;
      assert.equal(ids.check(id, 0, near, 6), false, `byte ${k}`);
    }
  });

  test('lifetime: at least the expiry, at most one bucket more', () => {
    const expiry = 360;
    const { ids, clock } = make(expiry, 1_700_000_000_000);
    assert.equal(ids.bucketMs, 11250);
    assert.equal(ids.maxAge, 32);
    // Issue at the very end of a bucket: the shortest life.
    clock.t = Math.ceil(clock.t / ids.bucketMs) * ids.bucketMs - 1;
    const issuedAt = clock.t;
    const id = new Uint8Array(8);
    ids.issue(id, 0, v4, 4);
    clock.t = issuedAt + expiry * 1000;
    assert.equal(ids.check(id, 0, v4, 4), true, 'valid for the whole expiry');
    clock.t = issuedAt + expiry * 1000 + ids.bucketMs + 1;
    assert.equal(ids.check(id, 0, v4, 4), false, 'expired one bucket later');
    // Issue at the start of a bucket: the longest life, expiry + one bucket.
    const start = Math.ceil(clock.t / ids.bucketMs) * ids.bucketMs;
    clock.t = start;
    ids.issue(id, 0, v4, 4);
    clock.t = start + (ids.maxAge + 1) * ids.bucketMs - 1;
    assert.equal(ids.check(id, 0, v4, 4), true);
    clock.t = start + (ids.maxAge + 1) * ids.bucketMs;
    assert.equal(ids.check(id, 0, v4, 4), false);
  });

  test('ids a full bucket-byte wrap (256 buckets) old are refused, not mistaken for fresh', () => {
    const { ids, clock } = make(360);
    const id = new Uint8Array(8);
    ids.issue(id, 0, v4, 4);
    clock.t += 256 * ids.bucketMs;
    assert.equal(ids.check(id, 0, v4, 4), false);
  });

  test('a clock that steps back refuses ids from the future', () => {
    const { ids, clock } = make(360);
    const id = new Uint8Array(8);
    ids.issue(id, 0, v4, 4);
    clock.t -= 2 * ids.bucketMs;
    assert.equal(ids.check(id, 0, v4, 4), false);
  });

  test('short expiries get short buckets', () => {
    const { ids } = make(1);
    assert.equal(ids.bucketMs, 32);
    assert.equal(ids.maxAge, 32);
    assert.throws(() => new ConnectionIds({ expiry: 0, secret }), RangeError);
  });
});
