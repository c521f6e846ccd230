// Byte-level tests of app/protocol/udp.ts against packets built by hand from BEP 15/41.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ANNOUNCE_LEN,
  errorMessage,
  hasProtocolId,
  parseAnnounce,
  readAction,
  readU64,
  readUrlData,
  scrapeHashCount,
  UdpAnnounce,
  UdpPeerWriter,
  writeAnnounceReply,
  writeConnectReply,
  writeError,
  writeScrapeEntry,
} from '../../app/protocol/udp.ts';
import { announcePacket, connectPacket, hash20, MAGIC, urlData } from './packets.ts';

const hex = (b: Uint8Array, from = 0, to = b.length) => Buffer.from(b.subarray(from, to)).toString('hex');

describe('header', () => {
  test('the action is the whole 32-bit word, not its low byte', () => {
    assert.equal(readAction(connectPacket(1, MAGIC, 0)), 0);
    assert.equal(readAction(connectPacket(1, MAGIC, 1)), 1);
    assert.equal(readAction(connectPacket(1, MAGIC, 0x100)), 0x100);
    assert.equal(readAction(connectPacket(1, MAGIC, 0x01000001)), 0x01000001);
    assert.equal(readAction(connectPacket(1, MAGIC, 0xffffffff)), 0xffffffff);
  });

  test('the protocol magic is 0x41727101980, every byte checked', () => {
    assert.equal(hasProtocolId(connectPacket(1)), true);
    for (let i = 0; i < 8; i++) {
      const bad = Buffer.from(MAGIC);
      bad[i] ^= 0x01;
      assert.equal(hasProtocolId(connectPacket(1, bad)), false, `byte ${i}`);
    }
    assert.equal(hasProtocolId(connectPacket(1, Buffer.alloc(8))), false);
  });

  test('connect reply: action 0, the request transaction id, 16 bytes', () => {
    const out = new Uint8Array(16).fill(0xee);
    assert.equal(writeConnectReply(out, connectPacket(0xa1b2c3d4)), 16);
    assert.equal(hex(out, 0, 8), '00000000a1b2c3d4');
  });
});

describe('announce', () => {
  const url = new Uint8Array(64);

  test('every field at its offset', () => {
    const p = announcePacket({
      connId: Buffer.alloc(8),
      infoHash: hash20('x'),
      downloaded: 0x123456789an,
      left: 0n,
      uploaded: 7n,
      event: 2,
      ip: 0x01020304,
      key: 99,
      numWant: 25,
      port: 51413,
    });
    assert.equal(p.length, ANNOUNCE_LEN);
    const a = parseAnnounce(p, p.length, new UdpAnnounce(), url);
    assert.deepEqual(
      { ...a },
      { downloaded: 0x123456789a, left: 0, uploaded: 7, event: 2, numWant: 25, port: 51413, urlLen: 0 },
    );
  });

  test('num_want is signed: -1 stays negative', () => {
    const p = announcePacket({ connId: Buffer.alloc(8), infoHash: hash20('x'), numWant: -1 });
    assert.equal(parseAnnounce(p, p.length, new UdpAnnounce(), url).numWant, -1);
  });

  test('64-bit counters beyond 2^53 clamp; all-ones (-1) is not zero', () => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(0xffffffffffffffffn);
    assert.equal(readU64(b, 0), Number.MAX_SAFE_INTEGER);
    b.writeBigUInt64BE(2n ** 53n - 1n);
    assert.equal(readU64(b, 0), Number.MAX_SAFE_INTEGER);
    b.writeBigUInt64BE(2n ** 53n);
    assert.equal(readU64(b, 0), Number.MAX_SAFE_INTEGER);
    b.writeBigUInt64BE(0x1fffff00000001n);
    assert.equal(readU64(b, 0), 0x1fffff00000001);
  });

  test('reply header: action 1, txid, interval, leechers, seeders', () => {
    const out = new Uint8Array(20);
    writeAnnounceReply(out, connectPacket(0x0badf00d), 1800, 3, 4);
    assert.equal(hex(out), `00000001${'0badf00d'}${'00000708'}${'00000003'}${'00000004'}`);
  });
});

describe('BEP 41 options', () => {
  const collect = (options: number[], cap = 64) => {
    const p = Buffer.concat([Buffer.alloc(ANNOUNCE_LEN), Buffer.from(options)]);
    const url = new Uint8Array(cap);
    const n = readUrlData(p, ANNOUNCE_LEN, p.length, url);
    return Buffer.from(url.subarray(0, n)).toString('latin1');
  };

  test('no options', () => assert.equal(collect([]), ''));
  test('one URLData', () => assert.equal(collect(urlData('/announce?pk=1')), '/announce?pk=1'));
  test('several URLData are concatenated, NOPs skipped', () =>
    assert.equal(
      collect([1, ...urlData('/ann'), 1, 1, ...urlData('ounce'), ...urlData('?a=b')]),
      '/announce?a=b',
    ));
  test('a zero-length URLData is fine', () =>
    assert.equal(collect([...urlData(''), ...urlData('/x')]), '/x'));
  test('EndOfOptions ends the list', () =>
    assert.equal(collect([...urlData('/a'), 0, ...urlData('/b')]), '/a'));
  test('a truncated URLData is dropped, earlier ones kept', () => {
    assert.equal(collect([...urlData('/a'), 2, 10, 0x41, 0x42]), '/a');
    assert.equal(collect([...urlData('/a'), 2]), '/a');
    assert.equal(collect([2, 3, 0x41, 0x42]), '');
  });
  test('an unknown option type stops parsing', () =>
    assert.equal(collect([...urlData('/a'), 9, 2, 0, 0, ...urlData('/b')]), '/a'));
  test('more data than the buffer holds stops parsing', () =>
    assert.equal(collect([...urlData('/abc'), ...urlData('/defg')], 6), '/abc'));
  test('a URLData of 255 bytes', () => {
    const s = 'p'.repeat(255);
    assert.equal(collect(urlData(s), 300), s);
  });

  test('parseAnnounce collects URL data that follows byte 98', () => {
    const p = announcePacket({
      connId: Buffer.alloc(8),
      infoHash: hash20('x'),
      options: Buffer.from([...urlData('/announce'), ...urlData('?passkey=abc'), 0]),
    });
    const url = new Uint8Array(64);
    const a = parseAnnounce(p, p.length, new UdpAnnounce(), url);
    assert.equal(Buffer.from(url.subarray(0, a.urlLen)).toString(), '/announce?passkey=abc');
    // The datagram length, not the buffer's, bounds the options.
    assert.equal(parseAnnounce(p, ANNOUNCE_LEN + 5, new UdpAnnounce(), url).urlLen, 0);
  });
});

describe('scrape', () => {
  test('hash count by length: whole hashes only', () => {
    assert.equal(scrapeHashCount(16), 0);
    assert.equal(scrapeHashCount(36), 1);
    assert.equal(scrapeHashCount(16 + 20 * 74), 74);
    assert.equal(scrapeHashCount(16 + 20 * 75), 75);
    assert.equal(scrapeHashCount(35), -1);
    assert.equal(scrapeHashCount(37), -1);
    assert.equal(scrapeHashCount(16 + 20 * 74 + 19), -1);
  });

  test('entries are seeders, completed, leechers', () => {
    const out = new Uint8Array(8 + 24);
    writeScrapeEntry(out, 0, 1, 2, 3);
    writeScrapeEntry(out, 1, 0x01020304, 0, 2 ** 40);
    assert.equal(hex(out, 8), '000000010000000200000003' + '0102030400000000ffffffff');
  });
});

describe('error', () => {
  test('action 3, txid, message without terminator', () => {
    const out = new Uint8Array(64);
    const n = writeError(out, connectPacket(0x11223344), errorMessage('bad port'), 64);
    assert.equal(n, 16);
    assert.equal(hex(out, 0, 8), '0000000311223344');
    assert.equal(Buffer.from(out.subarray(8, n)).toString(), 'bad port');
  });

  test('the message is cut to the maximum length, never below the header', () => {
    const out = new Uint8Array(64);
    const msg = errorMessage('bad connection id');
    assert.equal(writeError(out, connectPacket(1), msg, 16), 16);
    assert.equal(Buffer.from(out.subarray(8, 16)).toString(), 'bad conn');
    assert.equal(writeError(out, connectPacket(1), msg, 3), 8);
    assert.equal(writeError(out, connectPacket(1), msg, 1000), 8 + msg.length);
  });
});

describe('peer writer', () => {
  const entry4 = Uint8Array.from([10, 0, 0, 1, 0x1a, 0xe1]);
  const entry6 = Uint8Array.from([...new Uint8Array(15), 1, 0x1a, 0xe2]);

  test('6-byte entries for IPv4 after the 20-byte header', () => {
    const out = new Uint8Array(64);
    const w = new UdpPeerWriter(out).begin(out, 4, 10);
    w.peer(4, entry4, 0);
    w.peer(4, entry4, 0);
    assert.equal(w.count, 2);
    assert.equal(w.length, 32);
    assert.equal(hex(out, 20, 32), '0a0000011ae1'.repeat(2));
  });

  test('18-byte entries for IPv6; the other family is never written', () => {
    const out = new Uint8Array(64);
    const w = new UdpPeerWriter(out).begin(out, 6, 10);
    w.peer(4, entry4, 0);
    w.peer(6, entry6, 0);
    assert.equal(w.count, 1);
    assert.equal(w.length, 38);
    assert.equal(hex(out, 20, 38), `${'00'.repeat(15)}011ae2`);
  });

  test('stops at its maximum', () => {
    const out = new Uint8Array(64);
    const w = new UdpPeerWriter(out).begin(out, 4, 2);
    for (let i = 0; i < 5; i++) w.peer(4, entry4, 0);
    assert.equal(w.count, 2);
    assert.equal(w.length, 32);
  });
});
