// ClientAddress: the socket's address as bytes (IPv4-mapped IPv6 unmapped), whichever
// clients come in whatever order, and X-Forwarded-For only from a trusted proxy.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientAddress } from '../../app/frontend/client-address.ts';

function hex(b: Uint8Array, n: number): string {
  return Buffer.from(b.subarray(0, n)).toString('hex');
}

test('each request gets its own socket address, in any order of clients', () => {
  const c = new ClientAddress([]);
  const out = new Uint8Array(16);
  const cases: [string, 0 | 4 | 6, string][] = [
    ['10.0.0.1', 4, '0a000001'],
    ['10.0.0.1', 4, '0a000001'],
    ['::1', 6, '00000000000000000000000000000001'],
    ['::ffff:10.0.0.2', 4, '0a000002'],
    ['', 0, ''],
    ['10.0.0.1', 4, '0a000001'],
    ['2001:db8::7', 6, '20010db8000000000000000000000007'],
    ['192.168.1.9', 4, 'c0a80109'],
  ];
  for (const [remoteAddress, family, bytes] of cases) {
    out.fill(0xee);
    const f = c.resolve({ remoteAddress }, undefined, out);
    assert.equal(f, family, remoteAddress);
    if (family !== 0) assert.equal(hex(out, family === 4 ? 4 : 16), bytes, remoteAddress);
  }
});

test('X-Forwarded-For counts only from a trusted proxy: its right-most untrusted entry', () => {
  const c = new ClientAddress(['127.0.0.1']);
  const out = new Uint8Array(16);
  assert.equal(c.resolve({ remoteAddress: '127.0.0.1' }, '1.2.3.4, 5.6.7.8', out), 4);
  assert.equal(hex(out, 4), '05060708');
  assert.equal(c.resolve({ remoteAddress: '10.9.9.9' }, '1.2.3.4', out), 4, 'untrusted peer: header ignored');
  assert.equal(hex(out, 4), '0a090909');
  assert.equal(c.resolve({ remoteAddress: '127.0.0.1' }, 'garbage', out), 0);
});
