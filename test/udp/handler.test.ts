// The UDP packet handler in-process (real store, tracker and connection ids; no socket):
// every length edge, every error path, the event/num_want/port semantics, reply caps
// and the no-amplification rule. test/udp/server.test.ts repeats the main paths over
// real sockets.

import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { AnnounceRequest, AnnounceResult } from '../../app/bittorrent/announce.ts';
import { FAIL_TORRENT_LIMIT } from '../../app/bittorrent/failures.ts';
import type { RequestObserver } from '../../app/bittorrent/observer.ts';
import type { PeerSink, SwarmCounts } from '../../app/bittorrent/peer-sink.ts';
import { ConnectionIds } from '../../app/frontend/udp/connection-id.ts';
import { UdpHandler } from '../../app/frontend/udp/handler.ts';
import { MAX_PEERS_V4, MAX_PEERS_V6, MAX_REPLY } from '../../app/protocol/udp.ts';
import { MemoryStore } from '../../app/swarm/memory-store.ts';
import { Tracker } from '../../app/tracker/tracker.ts';
import {
  announcePacket,
  connectPacket,
  decodeAnnounceReply,
  decodeError,
  decodeScrapeReply,
  hash20,
  scrapePacket,
  urlData,
} from './packets.ts';

const V4 = '::ffff:198.51.100.7';
const V6 = '2001:db8::7';

interface Rig {
  handler: UdpHandler;
  store: MemoryStore;
  tracker: Tracker;
  clock: { t: number };
  /** Send and get a copy of the reply (null when none). */
  send(p: Buffer, address?: string): Buffer | null;
  connect(address?: string): Buffer;
}

interface RigOptions {
  numwantDefault?: number;
  maxTorrents?: number;
  tracker?: (s: MemoryStore) => Tracker;
  logs?: string[];
  observer?: RequestObserver;
}

function rig(opts: RigOptions = {}): Rig {
  const store = new MemoryStore({ maxTorrents: opts.maxTorrents ?? 1000, maxPeersPerTorrent: 10000 });
  const tracker =
    opts.tracker?.(store) ??
    new Tracker(store, {
      announce: { base: 1800, fuzz: 1, min: 60 },
      numwant: { default: opts.numwantDefault ?? 50, limit: 1000 },
    });
  const clock = { t: 1_700_000_000_000 };
  const ids = new ConnectionIds({ expiry: 360, now: () => clock.t, secret: new Uint8Array(16).fill(3) });
  const logs = opts.logs;
  const logger = pino(
    { level: 'error' },
    new Writable({
      write(chunk, _enc, cb) {
        logs?.push(String(chunk));
        cb();
      },
    }),
  );
  const handler = new UdpHandler({
    tracker,
    ids,
    logger,
    observer: opts.observer,
  });
  const send = (p: Buffer, address = V4) => {
    const n = handler.handle(p, p.length, address);
    return n === 0 ? null : Buffer.from(handler.out.subarray(0, n));
  };
  const connect = (address = V4) => {
    const r = send(connectPacket(1), address)!;
    assert.equal(r.length, 16);
    return r.subarray(8, 16);
  };
  return { handler, store, tracker, clock, send, connect };
}

const errorText = (r: Buffer | null) => (r === null ? 'no reply' : decodeError(r).message);

describe('lengths', () => {
  test('datagrams of 0–15 bytes are dropped silently, whatever they hold', () => {
    const { send, connect } = rig();
    const id = connect();
    const good = announcePacket({ connId: id, infoHash: hash20('t') });
    for (let len = 0; len < 16; len++) {
      assert.equal(send(connectPacket(1).subarray(0, len)), null);
      assert.equal(send(good.subarray(0, len)), null);
      assert.equal(send(Buffer.alloc(len, 0xff)), null);
    }
  });

  test('connect: 16 bytes, or longer with trailing bytes ignored, gets 16 bytes', () => {
    const { send } = rig();
    for (const len of [16, 17, 98, 1500]) {
      const p = Buffer.alloc(len, 0xab);
      connectPacket(0x55aa55aa).copy(p);
      const r = send(p)!;
      assert.equal(r.length, 16, `${len}`);
      assert.equal(r.readUInt32BE(0), 0);
      assert.equal(r.readUInt32BE(4), 0x55aa55aa);
    }
  });

  test('announce: 97 bytes → bad length, 98 bytes → reply', () => {
    const { send, connect, store } = rig();
    const id = connect();
    const p = announcePacket({ connId: id, infoHash: hash20('t'), txid: 77 });
    const short = send(p.subarray(0, 97));
    assert.equal(errorText(short), 'bad length');
    assert.equal(decodeError(short!).txid, 77);
    assert.equal(store.totals().torrents, 0);
    const r = decodeAnnounceReply(send(p)!, 4);
    assert.equal(r.txid, 77);
    assert.equal(r.leechers, 1);
    assert.equal(store.totals().torrents, 1);
  });

  test('scrape: 0 hashes and trailing partial hashes → bad length; 1 and 74 answered; 75 refused', () => {
    const { send, connect } = rig();
    const id = connect();
    const hashes = Array.from({ length: 75 }, (_, i) => hash20(`h${i}`));
    assert.equal(errorText(send(scrapePacket(id, 1, []))), 'bad length');
    const one = send(scrapePacket(id, 1, hashes.slice(0, 1)))!;
    assert.equal(one.length, 20);
    assert.equal(decodeScrapeReply(one).entries.length, 1);
    const full = send(scrapePacket(id, 1, hashes.slice(0, 74)))!;
    assert.equal(full.length, 8 + 12 * 74);
    assert.equal(decodeScrapeReply(full).entries.length, 74);
    assert.equal(errorText(send(scrapePacket(id, 1, hashes))), 'too many hashes');
    const partial = scrapePacket(id, 1, hashes.slice(0, 2)).subarray(0, 16 + 20 + 7);
    assert.equal(errorText(send(partial)), 'bad length');
    assert.equal(
      errorText(send(scrapePacket(id, 1, hashes.slice(0, 74)).subarray(0, 16 + 20 * 74 - 1))),
      'bad length',
    );
  });
});

describe('errors and amplification', () => {
  test('wrong magic: an error no longer than the request', () => {
    const { send } = rig();
    const r = send(connectPacket(9, Buffer.from('0123456789abcdef', 'hex')))!;
    assert.equal(r.length, 16);
    assert.equal(decodeError(r).txid, 9);
    assert.equal(decodeError(r).message, 'bad prot');
    const long = Buffer.concat([connectPacket(9, Buffer.alloc(8)), Buffer.alloc(40)]);
    assert.equal(errorText(send(long)), 'bad protocol id');
  });

  test('unknown actions: cut to the request unless the id is valid', () => {
    const { send, connect } = rig();
    const id = connect();
    for (const action of [3, 5, 0x100, 0x01000001, 0xffffffff]) {
      const junk = connectPacket(3, Buffer.alloc(8), action);
      const r = send(junk)!;
      assert.ok(r.length <= junk.length);
      assert.equal(errorText(r), 'unknown ');
      const known = connectPacket(3, id, action);
      assert.equal(errorText(send(known)), 'unknown action');
    }
  });

  test('the heartbeat (action 4) gets one byte 0xFF, no id needed', () => {
    const { send } = rig();
    assert.deepEqual([...send(connectPacket(1, Buffer.alloc(8), 4))!], [0xff]);
  });

  test('forged, other-address and expired ids are refused and never touch the store', () => {
    const { send, connect, store, clock } = rig();
    const id = connect();
    assert.equal(
      decodeAnnounceReply(send(announcePacket({ connId: id, infoHash: hash20('a') }))!, 4).leechers,
      1,
    );
    const before = JSON.stringify(store.totals());
    const forged = Buffer.from(id);
    forged[7] ^= 1;
    const tries: [Buffer, string][] = [
      [forged, V4],
      [Buffer.alloc(8), V4],
      [id, '::ffff:198.51.100.8'],
      [id, V6],
    ];
    for (const [connId, address] of tries) {
      for (const p of [
        announcePacket({ connId, infoHash: hash20('b') }),
        announcePacket({ connId, infoHash: hash20('a'), event: 3 }),
        scrapePacket(connId, 1, [hash20('a')]),
      ]) {
        const r = send(p, address);
        assert.equal(errorText(r), p.length >= 25 ? 'bad connection id' : 'bad conn');
        assert.ok(r!.length <= p.length);
      }
    }
    clock.t += 372_000; // past expiry + one bucket
    const expired = send(announcePacket({ connId: id, infoHash: hash20('b') }));
    assert.equal(errorText(expired), 'bad connection id');
    assert.equal(JSON.stringify(store.totals()), before);
    // A fresh id works again.
    const fresh = connect();
    assert.equal(
      decodeAnnounceReply(send(announcePacket({ connId: fresh, infoHash: hash20('b') }))!, 4).leechers,
      1,
    );
  });

  test('port 0 → bad port; event beyond 4 → bad event; nothing stored', () => {
    const { send, connect, store } = rig();
    const id = connect();
    assert.equal(errorText(send(announcePacket({ connId: id, infoHash: hash20('a'), port: 0 }))), 'bad port');
    for (const event of [5, 256, 0xffffffff]) {
      assert.equal(
        errorText(send(announcePacket({ connId: id, infoHash: hash20('a'), event }))),
        'bad event',
      );
    }
    assert.equal(store.totals().torrents, 0);
  });

  test('a tracker failure (torrent limit) is sent in plain words to the verified sender', () => {
    const { send, connect, store } = rig({ maxTorrents: 1 });
    const id = connect();
    decodeAnnounceReply(send(announcePacket({ connId: id, infoHash: hash20('one') }))!, 4);
    const r = send(announcePacket({ connId: id, infoHash: hash20('two'), txid: 12 }))!;
    assert.deepEqual(decodeError(r), { txid: 12, message: FAIL_TORRENT_LIMIT.reason });
    assert.equal(store.totals().torrents, 1);
  });

  test('the observer hears requests, results, announces, error reasons and bytes', () => {
    const calls: string[] = [];
    const observer: RequestObserver = {
      request: (p, a, r, start) => calls.push(`request ${p} ${a} ${r} ${start > 0}`),
      announce: (e) => calls.push(`announce ${e}`),
      udpError: (reason) => calls.push(`error ${reason}`),
      bytes: (p, i, o) => calls.push(`bytes ${p} ${i} ${o}`),
      limitHit: (k) => calls.push(`limit ${k}`),
    };
    const { send, connect } = rig({ observer, maxTorrents: 1 });
    const id = connect();
    send(announcePacket({ connId: id, infoHash: hash20('a'), event: 2 }));
    send(announcePacket({ connId: id, infoHash: hash20('b') }));
    send(scrapePacket(Buffer.alloc(8), 1, [hash20('a')]));
    send(connectPacket(1, Buffer.alloc(8), 4));
    send(Buffer.alloc(3));
    assert.deepEqual(calls, [
      'request 1 0 0 true',
      'bytes 1 16 16',
      'announce 2',
      'request 1 1 0 true',
      'bytes 1 98 20',
      'error refused',
      'request 1 1 1 true',
      `bytes 1 98 ${8 + FAIL_TORRENT_LIMIT.reason.length}`,
      'error bad connection id',
      'request 1 2 1 true',
      'bytes 1 36 25',
      'bytes 1 16 1',
      'bytes 1 3 0',
    ]);
  });

  test('an exception inside becomes a logged internal error, never a throw', () => {
    const logs: string[] = [];
    const { send, connect } = rig({
      logs,
      tracker: (store) =>
        new (class extends Tracker {
          override announce(): never {
            throw new Error('boom');
          }
        })(store, { announce: { base: 1, fuzz: 1, min: 1 }, numwant: { default: 1, limit: 1 } }),
    });
    const id = connect();
    assert.equal(errorText(send(announcePacket({ connId: id, infoHash: hash20('a') }))), 'internal error');
    assert.equal(logs.length, 1);
    assert.match(logs[0], /boom/);
  });
});

describe('announce semantics', () => {
  const announce = (r: Rig, f: Partial<Parameters<typeof announcePacket>[0]>, address = V4) => {
    const id = r.connect(address);
    const reply = r.send(announcePacket({ connId: id, infoHash: hash20('s'), ...f }), address)!;
    return decodeAnnounceReply(reply, address.startsWith('::ffff:') ? 4 : 6);
  };

  test('events: 2 started and 0 none leech, 1 completed seeds and counts, 3 stopped leaves', () => {
    const r = rig();
    assert.deepEqual(
      { ...announce(r, { event: 2, port: 1001 }), peers: [], interval: 0, txid: 0 },
      { txid: 0, interval: 0, leechers: 1, seeders: 0, peers: [] },
    );
    announce(r, { event: 0, port: 1002 });
    const c = announce(r, { event: 1, port: 1003 });
    assert.equal(c.seeders, 1);
    assert.equal(c.leechers, 2);
    const counts = r.tracker.scrape(hash20('s'), 0, {
      seeders: 0,
      leechers: 0,
      downloaded: 0,
    }) as SwarmCounts;
    assert.equal(counts.downloaded, 1);
    const s = announce(r, { event: 3, port: 1001 });
    assert.equal(s.leechers, 1);
    assert.equal(s.peers.length, 0, 'a stopped peer gets no peers');
    // paused (4, BEP 21) keeps the peer
    assert.equal(announce(r, { event: 4, port: 1004 }).leechers, 2);
  });

  test('left=0 makes a seeder, who gets leechers only', () => {
    const r = rig();
    announce(r, { left: 0n, port: 2001 });
    announce(r, { left: 0n, port: 2002 });
    announce(r, { left: 5n, port: 2003 });
    const seen = announce(r, { left: 0n, port: 2004 });
    assert.deepEqual(
      seen.peers.map((p) => p.port),
      [2003],
    );
  });

  test('the packet IP field is ignored: the source address is stored', () => {
    const r = rig();
    announce(r, { ip: 0x0a000001, port: 3001 }, '::ffff:203.0.113.9');
    const seen = announce(r, { port: 3002 }, '::ffff:203.0.113.10');
    assert.deepEqual(seen.peers, [{ ip: '203.0.113.9', port: 3001 }]);
  });

  test('num_want: negative → default, 0 → none, n → n; never the requester', () => {
    const r = rig({ numwantDefault: 3 });
    for (let i = 0; i < 6; i++) announce(r, { port: 4000 + i });
    assert.equal(announce(r, { numWant: -1, port: 4000 }).peers.length, 3);
    assert.equal(announce(r, { numWant: -7, port: 4000 }).peers.length, 3);
    assert.equal(announce(r, { numWant: 0, port: 4000 }).peers.length, 0);
    const all = announce(r, { numWant: 100, port: 4000 });
    assert.equal(all.peers.length, 5);
    assert.ok(!all.peers.some((p) => p.port === 4000));
  });

  test('peers of the requester family only: 6-byte entries to IPv4, 18-byte to IPv6', () => {
    const r = rig();
    announce(r, { port: 5001 }, '::ffff:192.0.2.1');
    announce(r, { port: 5002 }, '2001:db8::1');
    const to4 = announce(r, { port: 5003 }, '::ffff:192.0.2.2');
    assert.deepEqual(to4.peers, [{ ip: '192.0.2.1', port: 5001 }]);
    const to6 = announce(r, { port: 5004 }, '2001:db8::2');
    assert.deepEqual(to6.peers, [{ ip: '2001:db8:0:0:0:0:0:1', port: 5002 }]);
    assert.equal(to6.leechers, 4, 'counts cover both families');
  });

  test('replies stay within one safe datagram, even when the default asks for more', () => {
    const r = rig({ numwantDefault: 1000 });
    for (let i = 0; i < 260; i++) {
      announce(r, { port: 10000 + i }, `::ffff:10.0.${i >> 8}.${i & 255}`);
      announce(r, { port: 10000 + i }, `2001:db8::${i.toString(16)}`);
    }
    for (const numWant of [-1, 1000]) {
      const to4 = r.send(
        announcePacket({ connId: r.connect(), infoHash: hash20('s'), numWant, port: 9 }),
        V4,
      )!;
      assert.ok(to4.length <= MAX_REPLY);
      assert.equal(decodeAnnounceReply(to4, 4).peers.length, MAX_PEERS_V4);
      const to6 = r.send(
        announcePacket({ connId: r.connect(V6), infoHash: hash20('s'), numWant, port: 9 }),
        V6,
      )!;
      assert.ok(to6.length <= MAX_REPLY);
      assert.equal(decodeAnnounceReply(to6, 6).peers.length, MAX_PEERS_V6);
    }
  });

  test('BEP 41 URL data reaches the AnnounceRequest, and does not leak into the next one', () => {
    const seen: string[] = [];
    const r = rig({
      tracker: (store) =>
        new (class extends Tracker {
          override announce(req: AnnounceRequest, res: AnnounceResult, sink: PeerSink) {
            seen.push(Buffer.from(req.urlData.subarray(0, req.urlLen)).toString());
            return super.announce(req, res, sink);
          }
        })(store, { announce: { base: 60, fuzz: 1, min: 60 }, numwant: { default: 5, limit: 5 } }),
    });
    announce(r, { options: Buffer.from([...urlData('/announce'), 1, ...urlData('?passkey=s3cret'), 0]) });
    announce(r, {});
    announce(r, { options: Buffer.from([...urlData('/a'), 2, 99, 1]) });
    assert.deepEqual(seen, ['/announce?passkey=s3cret', '', '/a']);
  });
});

test('renewBuffer: later replies go to a fresh buffer, earlier ones stay intact', () => {
  const r = rig();
  const first = r.handler.out;
  const n = r.handler.handle(connectPacket(0x11111111), 16, V4);
  const copy = Buffer.from(first.subarray(0, n));
  r.handler.renewBuffer();
  assert.notEqual(r.handler.out, first);
  r.handler.handle(connectPacket(0x22222222), 16, V4);
  assert.deepEqual(first.subarray(0, n), copy);
  assert.equal(r.handler.out.readUInt32BE(4), 0x22222222);
});
