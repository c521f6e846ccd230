// The compact fast path of an announce's peer selection: entries copied straight into
// the caller's buffer must be exactly what the callback path would have handed out, stay
// within the room the sink gives, and leave the other family's callback path alone.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeerSink } from '../../app/bittorrent/peer-sink.ts';
import type { CompactOut } from '../../app/protocol/compact.ts';
import { MemoryStore } from '../../app/swarm/memory-store.ts';
import { put } from '../helpers/store-ops.ts';

const hash = Buffer.alloc(20, 0xab);
const id = Buffer.alloc(20, 1);

function storeWith(peers4: number, peers6: number): MemoryStore {
  const store = new MemoryStore({ maxTorrents: 10, maxPeersPerTorrent: 1000 });
  for (let i = 0; i < peers4; i++)
    put(store, hash, 4, Buffer.from([10, 0, i >> 8, i & 255]), 1000 + i, { id, now: 1 });
  const a6 = Buffer.alloc(16);
  a6[0] = 0x20;
  a6[1] = 0x01;
  for (let i = 0; i < peers6; i++) {
    a6[15] = i;
    put(store, hash, 6, a6, 2000 + i, { id, now: 1 });
  }
  return store;
}

/** A sink whose room per family is what its compact buffer has left, else `callbackRoom`. */
function sink(
  compact4: CompactOut | null,
  compact6: CompactOut | null,
  peer: PeerSink['peer'],
  callbackRoom = 1000,
): PeerSink {
  const room = (out: CompactOut | null, len: number) =>
    out === null ? callbackRoom : Math.floor((out.end - out.pos) / len);
  return { room: (f) => (f === 4 ? room(compact4, 6) : room(compact6, 18)), peer, compact4, compact6 };
}

/** Peers an announce from `self` (default: an address no stored peer has) is given. */
function select(
  store: MemoryStore,
  family: 4 | 6,
  max: number,
  to: PeerSink,
  self: Buffer = family === 4
    ? Buffer.from([192, 0, 2, 1])
    : Buffer.from('3fff0000000000000000000000000001', 'hex'),
  selfPort = 1,
): void {
  put(store, hash, family, self, selfPort, { id, now: 1, numwant: max, sink: to });
}

/** Every compact 6-byte IPv4 entry the store holds, as hex. */
function allEntries4(store: MemoryStore): Set<string> {
  const all = new Set<string>();
  for (let from = 0; from >= 0; ) {
    from = store.visit(from, 100, {
      torrent() {},
      peer(family, addrPort, off) {
        if (family === 4) all.add(Buffer.from(addrPort.subarray(off, off + 6)).toString('hex'));
      },
    });
  }
  return all;
}

test('compact entries are real, distinct peers, and the count matches the bytes written', () => {
  const store = storeWith(40, 0);
  const all = allEntries4(store);
  for (const max of [1, 10, 39, 40, 100]) {
    const out: CompactOut = { buf: Buffer.alloc(6 * 200), pos: 0, end: 6 * 200 };
    const to = sink(out, null, () => assert.fail('callback used on the fast path'), 0);
    select(store, 4, max, to);
    const sent = Math.min(max, 40);
    assert.equal(out.pos, sent * 6);
    const got = new Set<string>();
    for (let i = 0; i < sent; i++) got.add(Buffer.from(out.buf.subarray(i * 6, i * 6 + 6)).toString('hex'));
    assert.equal(got.size, sent, 'no duplicates');
    for (const e of got) assert.ok(all.has(e), `entry ${e} is a stored peer`);
  }
});

test('the fast path stops at end and appends after pos', () => {
  const store = storeWith(30, 0);
  const out: CompactOut = { buf: Buffer.alloc(100), pos: 4, end: 4 + 6 * 5 + 3 };
  select(
    store,
    4,
    50,
    sink(out, null, () => assert.fail('callback used'), 0),
  );
  assert.equal(out.pos, 4 + 30, 'only whole entries that fit before end');
  assert.deepEqual([...out.buf.subarray(0, 4)], [0, 0, 0, 0], 'bytes before pos untouched');
});

test('IPv6 entries are 18 bytes and the requester is still left out', () => {
  const store = storeWith(0, 8);
  const out: CompactOut = { buf: Buffer.alloc(18 * 20), pos: 0, end: 18 * 20 };
  const self = Buffer.alloc(16);
  self[0] = 0x20;
  self[1] = 0x01;
  self[15] = 3;
  select(
    store,
    6,
    20,
    sink(null, out, () => assert.fail('callback used'), 0),
    self,
    2003,
  );
  const sent = 7;
  assert.equal(out.pos, sent * 18);
  for (let i = 0; i < sent; i++) {
    const port = (out.buf[i * 18 + 16] << 8) | out.buf[i * 18 + 17];
    assert.notEqual(port, 2003, 'requester not returned');
    assert.equal(out.buf[i * 18], 0x20);
  }
});

test('a family without a compact target still goes through peer()', () => {
  const store = storeWith(3, 3);
  let calls = 0;
  const out: CompactOut = { buf: Buffer.alloc(18 * 10), pos: 0, end: 18 * 10 };
  select(
    store,
    4,
    10,
    sink(null, out, () => calls++),
  );
  assert.equal(calls, 3, 'IPv4 through peer()');
  assert.equal(out.pos, 3 * 18, 'then IPv6, with room, straight into its buffer');
});
