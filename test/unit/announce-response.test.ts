// Byte-level tests of the HTTP announce and scrape response writers: compact peers
// (BEP 23) and peers6 (BEP 7), the dictionary model with and without `peer id`,
// `external ip` (BEP 24), key order (checked by the strict decoder) and reuse.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Family } from '../../app/bittorrent/family.ts';
import { AnnounceEncoder, ScrapeEncoder } from '../../app/protocol/announce-response.ts';
import { type BValue, bdict } from '../helpers/bdecode.ts';

const FIELDS = { interval: 1934, minInterval: 900, seeders: 3, leechers: 7, downloaded: 11 };

/** Compact address+port as the store holds it. */
function compact(addr: number[], port: number): Buffer {
  return Buffer.from([...addr, port >> 8, port & 0xff]);
}

const V4A = compact([10, 0, 0, 1], 6881);
const V4B = compact([192, 168, 1, 200], 51413);
const V6A = compact([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 443);
const ID_A = Buffer.alloc(20, 0x41);
const ID_B = Buffer.alloc(20, 0x42);
const ID_C = Buffer.from('-qB4650-\x00\x01\x02\xff\xfe\x80abcdef', 'latin1');

function feed(enc: AnnounceEncoder, peers: [Family, Buffer, Buffer][]): void {
  for (const [family, addrPort, id] of peers) {
    // Views at offsets, as the store hands them out.
    const a = Buffer.concat([Buffer.alloc(5), addrPort]);
    const i = Buffer.concat([Buffer.alloc(3), id]);
    enc.peer(family, a, 5, i, 3);
  }
}

const EXT4 = Uint8Array.from([127, 0, 0, 1, 0xaa, 0xaa]);
const EXT6 = Uint8Array.from([...Array(15).fill(0), 1]);

describe('AnnounceEncoder', () => {
  test('compact: every field, keys in sorted order, peers and peers6 byte for byte', () => {
    const enc = new AnnounceEncoder(50).begin(true, false);
    feed(enc, [
      [4, V4A, ID_A],
      [6, V6A, ID_C],
      [4, V4B, ID_B],
    ]);
    const out = enc.finish(FIELDS, EXT4, 4);
    const d = bdict(out);
    assert.deepEqual(Object.keys(d), [
      'complete',
      'downloaded',
      'external ip',
      'incomplete',
      'interval',
      'min interval',
      'peers',
      'peers6',
    ]);
    assert.equal(d.complete, 3);
    assert.equal(d.downloaded, 11);
    assert.equal(d.incomplete, 7);
    assert.equal(d.interval, 1934);
    assert.equal(d['min interval'], 900);
    assert.deepEqual(d['external ip'], Buffer.from([127, 0, 0, 1]));
    assert.deepEqual(d.peers, Buffer.concat([V4A, V4B]));
    assert.deepEqual(d.peers6, V6A);
    // The exact bytes of the head, once, so the layout itself is pinned down.
    assert.ok(
      out.toString('latin1').startsWith('d8:completei3e10:downloadedi11e11:external ip4:\x7f\x00\x00\x01'),
    );
  });

  test('compact with no peers: empty peers and peers6 strings', () => {
    const out = new AnnounceEncoder(50).begin(true, false).finish(FIELDS, EXT6, 16);
    const d = bdict(out);
    assert.deepEqual(d.peers, Buffer.alloc(0));
    assert.deepEqual(d.peers6, Buffer.alloc(0));
    assert.deepEqual(d['external ip'], Buffer.from(EXT6));
    assert.ok(out.toString('latin1').endsWith('5:peers0:6:peers60:e'));
  });

  test('dictionary model (compact=0): ip text, peer id, port; no peers6', () => {
    const enc = new AnnounceEncoder(50).begin(false, false);
    feed(enc, [
      [4, V4A, ID_A],
      [6, V6A, ID_C],
    ]);
    const d = bdict(enc.finish(FIELDS, EXT4, 4));
    assert.equal(d.peers6, undefined);
    const peers = d.peers as { [k: string]: BValue }[];
    assert.equal(peers.length, 2);
    assert.deepEqual(Object.keys(peers[0]), ['ip', 'peer id', 'port']);
    assert.deepEqual(peers[0], { ip: Buffer.from('10.0.0.1'), 'peer id': ID_A, port: 6881 });
    assert.deepEqual(peers[1], { ip: Buffer.from('2001:db8::1'), 'peer id': ID_C, port: 443 });
  });

  test('dictionary model with no_peer_id=1 leaves peer id out', () => {
    const enc = new AnnounceEncoder(50).begin(false, true);
    feed(enc, [[4, V4B, ID_B]]);
    const d = bdict(enc.finish(FIELDS, EXT4, 4));
    assert.deepEqual(d.peers, [{ ip: Buffer.from('192.168.1.200'), port: 51413 }]);
  });

  test('no_peer_id does not change the compact form', () => {
    const enc = new AnnounceEncoder(50).begin(true, true);
    feed(enc, [[4, V4A, ID_A]]);
    assert.deepEqual(bdict(enc.finish(FIELDS, EXT4, 4)).peers, V4A);
  });

  test('compact lists hold at most what it was sized for (numwant.limit); the dict model grows', () => {
    const enc = new AnnounceEncoder(3).begin(true, false);
    const four: Buffer[] = [];
    const six: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const a4 = compact([10, 1, i >> 8, i & 0xff], 1000 + i);
      const a6 = compact([0xfe, 0x80, ...Array(12).fill(0), i >> 8, i & 0xff], 2000 + i);
      four.push(a4);
      six.push(a6);
      feed(enc, [
        [4, a4, ID_A],
        [6, a6, ID_B],
      ]);
    }
    const d = bdict(enc.finish(FIELDS, EXT4, 4));
    assert.deepEqual(d.peers, Buffer.concat(four.slice(0, 3)));
    assert.deepEqual(d.peers6, Buffer.concat(six.slice(0, 3)));
    assert.equal(enc.compact4?.pos, 18, 'the fast-path target is the same buffer');
    const dictEnc = new AnnounceEncoder(1).begin(false, false);
    for (let i = 0; i < 500; i++) feed(dictEnc, [[4, four[i % 300], ID_C]]);
    assert.equal((bdict(dictEnc.finish(FIELDS, EXT4, 4)).peers as unknown[]).length, 500);
  });

  test('reuse: begin() forgets the previous peers and earlier replies are not changed', () => {
    const enc = new AnnounceEncoder(10);
    enc.begin(false, false);
    feed(enc, [[4, V4A, ID_A]]);
    const first = enc.finish(FIELDS, EXT4, 4);
    const firstCopy = Buffer.from(first);
    enc.begin(true, false);
    feed(enc, [[6, V6A, ID_B]]);
    const second = bdict(enc.finish({ ...FIELDS, seeders: 0 }, EXT6, 16));
    assert.deepEqual(second.peers, Buffer.alloc(0));
    assert.deepEqual(second.peers6, V6A);
    assert.equal(second.complete, 0);
    enc.begin(false, false);
    const third = bdict(enc.finish(FIELDS, EXT4, 4));
    assert.deepEqual(third.peers, [], 'no dict peers left over');
    assert.deepEqual(first, firstCopy, 'a finished reply is a copy');
  });
});

describe('ScrapeEncoder', () => {
  test('files: one dict per hash with complete, downloaded, incomplete', () => {
    const h1 = Buffer.alloc(20, 0x01);
    const h2 = Buffer.from(Array.from({ length: 20 }, (_, i) => 0xf0 + (i % 16)));
    const padded = Buffer.concat([Buffer.alloc(4), h2]);
    const out = new ScrapeEncoder().begin().file(h1, 0, 5, 9, 2).file(padded, 4, 0, 0, 0).finish();
    const d = bdict(out);
    assert.deepEqual(Object.keys(d), ['files']);
    const files = d.files as { [k: string]: BValue };
    assert.deepEqual(Object.keys(files), [h1.toString('latin1'), h2.toString('latin1')]);
    assert.deepEqual(files[h1.toString('latin1')], { complete: 5, downloaded: 9, incomplete: 2 });
    assert.deepEqual(files[h2.toString('latin1')], { complete: 0, downloaded: 0, incomplete: 0 });
    const head = `d5:filesd20:${h1.toString('latin1')}d8:completei5e10:downloadedi9e10:incompletei2ee`;
    assert.equal(out.subarray(0, head.length).toString('latin1'), head);
  });

  test('an empty scrape and reuse', () => {
    const enc = new ScrapeEncoder();
    assert.equal(enc.begin().finish().toString(), 'd5:filesdee');
    enc.begin().file(Buffer.alloc(20, 7), 0, 1, 2, 3).finish();
    assert.equal(enc.begin().finish().toString(), 'd5:filesdee');
  });
});
