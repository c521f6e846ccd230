// The UDP tracker over real sockets on 127.0.0.1 and ::1: a dual-stack service (udp.ip
// `::`) and single-family ones, every error path, HTTP and UDP sharing swarms, BEP 41
// URL data reaching the tracker, expiry with a short lifetime, and a burst of replies
// built in the shared reply buffer.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AnnounceRequest, AnnounceResult } from '../../app/bittorrent/announce.ts';
import type { PeerSink } from '../../app/bittorrent/peer-sink.ts';
import type { Service } from '../../app/service.ts';
import { bdict } from '../helpers/bdecode.ts';
import { get, pct } from '../helpers/http-client.ts';
import { startTestService } from '../helpers/service.ts';
import { dumpStore } from '../helpers/store-dump.ts';
import { UdpClient } from './client.ts';
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

const HOSTS = [
  { host: '127.0.0.1', family: 4 as const },
  { host: '::1', family: 6 as const },
];

describe('dual-stack service (udp.ip ::)', () => {
  let svc: Service;
  before(async () => {
    svc = await startTestService();
  });
  after(() => svc.close());

  for (const { host, family } of HOSTS) {
    describe(`from ${host}`, () => {
      let c: UdpClient;
      let id: Buffer;
      before(async () => {
        c = await UdpClient.open(host);
        id = await c.connect(svc.udpPort);
      });
      after(() => c.close());
      const torrent = hash20(`swarm-${family}`);

      test('connect: action 0, the transaction id, an 8-byte id', async () => {
        const r = (await c.request(connectPacket(0xdeadbeef), svc.udpPort))!;
        assert.equal(r.length, 16);
        assert.equal(r.readUInt32BE(0), 0);
        assert.equal(r.readUInt32BE(4), 0xdeadbeef);
        // A new connect from the same source gets an id that works too (no table to overwrite).
        assert.notEqual(r.subarray(8).toString('hex'), '0000000000000000');
      });

      test(`announce and scrape; peers come as ${family === 4 ? 6 : 18}-byte entries`, async () => {
        const first = decodeAnnounceReply(
          (await c.request(
            announcePacket({ connId: id, infoHash: torrent, port: 7001, txid: 1 }),
            svc.udpPort,
          ))!,
          family,
        );
        assert.equal(first.txid, 1);
        assert.ok(first.interval > 0);
        assert.deepEqual([first.leechers, first.seeders, first.peers.length], [1, 0, 0]);
        const raw = (await c.request(
          announcePacket({ connId: id, infoHash: torrent, port: 7002, left: 0n, txid: 2 }),
          svc.udpPort,
        ))!;
        assert.equal(raw.length, 20 + (family === 4 ? 6 : 18));
        const second = decodeAnnounceReply(raw, family);
        assert.deepEqual([second.leechers, second.seeders], [1, 1]);
        assert.deepEqual(second.peers, [{ ip: family === 4 ? '127.0.0.1' : '0:0:0:0:0:0:0:1', port: 7001 }]);
        const s = decodeScrapeReply(
          (await c.request(scrapePacket(id, 3, [torrent, hash20('unknown')]), svc.udpPort))!,
        );
        assert.equal(s.txid, 3);
        assert.deepEqual(s.entries, [
          { seeders: 1, completed: 0, leechers: 1 },
          { seeders: 0, completed: 0, leechers: 0 },
        ]);
      });

      test('the id is bound to the address, not the port: another socket on it may use it', async () => {
        // libtorrent shares one id per tracker across all its sockets, and NATs rebind
        // ports between connect and announce.
        const other = await UdpClient.open(host);
        try {
          assert.notEqual(other.port, c.port);
          const hash = hash20(`other-socket-${family}`);
          const r = (await other.request(
            announcePacket({ connId: id, infoHash: hash, port: 7003, txid: 9 }),
            svc.udpPort,
          ))!;
          assert.equal(r.readUInt32BE(0), 1, `announce reply, not an error: ${r.toString('latin1')}`);
          const a = decodeAnnounceReply(r, family);
          assert.deepEqual([a.txid, a.leechers], [9, 1]);
          const s = decodeScrapeReply((await other.request(scrapePacket(id, 10, [hash]), svc.udpPort))!);
          assert.deepEqual(s.entries, [{ seeders: 0, completed: 0, leechers: 1 }]);
          // Leave the torrent as it was for the other cases.
          await other.request(
            announcePacket({ connId: id, infoHash: hash, port: 7003, txid: 11, event: 3 }),
            svc.udpPort,
          );
        } finally {
          await other.close();
        }
      });

      test('74 hashes are answered, 75 refused', async () => {
        const hashes = Array.from({ length: 75 }, (_, i) => hash20(`many-${i}`));
        hashes[73] = torrent;
        const ok = (await c.request(scrapePacket(id, 4, hashes.slice(0, 74)), svc.udpPort))!;
        assert.equal(ok.length, 8 + 74 * 12);
        assert.deepEqual(decodeScrapeReply(ok).entries[73], { seeders: 1, completed: 0, leechers: 1 });
        const no = (await c.request(scrapePacket(id, 5, hashes), svc.udpPort))!;
        assert.deepEqual(decodeError(no), { txid: 5, message: 'too many hashes' });
      });

      test('error paths reply as specified and leave the store untouched', async () => {
        const before = dumpStore(svc.store);
        const forged = Buffer.from(id);
        forged[0] ^= 0x80;
        const port = svc.udpPort;
        const cases: [Buffer, string | null][] = [
          [connectPacket(6, Buffer.from('0000041727101981', 'hex')), 'bad prot'],
          [announcePacket({ connId: forged, infoHash: hash20('new'), txid: 6 }), 'bad connection id'],
          [
            announcePacket({ connId: Buffer.alloc(8), infoHash: hash20('new'), txid: 6 }),
            'bad connection id',
          ],
          [scrapePacket(forged, 6, [torrent]), 'bad connection id'],
          [announcePacket({ connId: id, infoHash: hash20('new'), txid: 6 }).subarray(0, 97), 'bad length'],
          [announcePacket({ connId: id, infoHash: hash20('new'), txid: 6, port: 0 }), 'bad port'],
          [announcePacket({ connId: id, infoHash: hash20('new'), txid: 6, event: 9 }), 'bad event'],
          [scrapePacket(id, 6, [torrent]).subarray(0, 35), 'bad length'],
          [connectPacket(6, id, 77), 'unknown action'],
          [connectPacket(6, Buffer.alloc(8), 77), 'unknown '],
        ];
        for (const [packet, want] of cases) {
          const r = await c.request(packet, port);
          assert.ok(r !== null, `reply to ${want}`);
          assert.deepEqual(decodeError(r), { txid: 6, message: want });
        }
        // Too short: no reply at all.
        for (const len of [0, 1, 8, 15])
          assert.equal(await c.request(connectPacket(6).subarray(0, len), port, 150), null);
        assert.deepEqual(dumpStore(svc.store), before);
      });

      test('oversized datagrams: trailing bytes after a connect, a 9000-byte announce, a 64 KB scrape', async () => {
        const connect = Buffer.concat([connectPacket(8), Buffer.alloc(500, 1)]);
        assert.equal((await c.request(connect, svc.udpPort))!.length, 16);
        const big = announcePacket({
          connId: id,
          infoHash: torrent,
          port: 7003,
          txid: 8,
          options: Buffer.alloc(9000 - 98, 1), // all NOPs
        });
        const r = decodeAnnounceReply((await c.request(big, svc.udpPort))!, family);
        assert.equal(r.txid, 8);
        const huge = Buffer.alloc(65000);
        id.copy(huge, 0);
        huge.writeUInt32BE(2, 8);
        huge.writeUInt32BE(8, 12);
        const err = decodeError((await c.request(huge.subarray(0, 16 + 20 * 3000), svc.udpPort))!);
        assert.deepEqual(err, { txid: 8, message: 'too many hashes' });
      });

      test('the trakx heartbeat: action 4 → 0xFF', async () => {
        const r = (await c.request(connectPacket(1, Buffer.alloc(8), 4), svc.udpPort))!;
        assert.deepEqual([...r], [0xff]);
      });

      test('a burst of 300 announces: every reply intact and for its own request', async () => {
        const n = 300;
        // Room for every reply at once: a worker thread answers the burst in parallel with
        // this thread's reads, and the default buffer (~200 KB) holds ~100 loopback datagrams.
        c.socket.setRecvBufferSize(1 << 20);
        for (let i = 0; i < n; i++) {
          c.send(
            announcePacket({
              connId: id,
              infoHash: hash20(`burst-${i % 7}`),
              port: 20000 + i,
              txid: 100000 + i,
            }),
            svc.udpPort,
          );
        }
        const seen = new Set<number>();
        for (let i = 0; i < n; i++) {
          const b = await c.next(3000);
          assert.ok(b, `reply ${i} of ${n}`);
          const r = decodeAnnounceReply(b, family);
          assert.ok(r.txid >= 100000 && r.txid < 100000 + n);
          seen.add(r.txid);
          for (const p of r.peers) assert.ok(p.port >= 20000 && p.port < 20000 + n);
        }
        assert.equal(seen.size, n);
      });

      test('datagrams sent back to back are answered in arrival order', async () => {
        // Read in one wakeup and answered as one burst: each announce must still see the
        // ones before it, and the scrape sent last must see them all.
        const n = 20;
        const swarm = hash20(`order-${family}`);
        for (let i = 0; i < n; i++)
          c.send(
            announcePacket({ connId: id, infoHash: swarm, port: 30000 + i, txid: 200000 + i }),
            svc.udpPort,
          );
        c.send(scrapePacket(id, 299999, [swarm]), svc.udpPort);
        const leechersSeen = new Map<number, number>();
        let scraped: { seeders: number; completed: number; leechers: number } | undefined;
        for (let i = 0; i <= n; i++) {
          const b = await c.next(3000);
          assert.ok(b, `reply ${i} of ${n + 1}`);
          if (b.readUInt32BE(0) === 2) scraped = decodeScrapeReply(b).entries[0];
          else {
            const r = decodeAnnounceReply(b, family);
            leechersSeen.set(r.txid - 200000, r.leechers);
          }
        }
        for (let i = 0; i < n; i++) assert.equal(leechersSeen.get(i), i + 1, `announce ${i}`);
        assert.deepEqual(scraped, { seeders: 0, completed: 0, leechers: n });
      });
    });
  }

  test('HTTP and UDP announcers of one torrent see each other (both directions, both families)', async () => {
    for (const { host, family } of HOSTS) {
      const torrent = hash20(`mixed-${family}`);
      const peerId = (tag: string) => Buffer.from(`-XX0001-${tag.padEnd(12, '0')}`);
      const http = (port: number, tag: string) =>
        get(
          host,
          svc.httpPort,
          `/announce?info_hash=${pct(torrent)}&peer_id=${pct(peerId(tag))}&port=${port}&uploaded=0&downloaded=0&left=100&compact=1`,
        ).then((r) => bdict(r.body));
      const key = family === 4 ? 'peers' : 'peers6';
      const entry = (port: number) =>
        Buffer.concat([
          family === 4 ? Buffer.from([127, 0, 0, 1]) : Buffer.from('00000000000000000000000000000001', 'hex'),
          Buffer.from([port >> 8, port & 255]),
        ]).toString('hex');

      const first = await http(8001, 'h1');
      assert.equal((first[key] as Buffer).length, 0);

      const c = await UdpClient.open(host);
      try {
        const id = await c.connect(svc.udpPort);
        const u = decodeAnnounceReply(
          (await c.request(announcePacket({ connId: id, infoHash: torrent, port: 8002 }), svc.udpPort))!,
          family,
        );
        assert.deepEqual(
          u.peers.map((p) => p.port),
          [8001],
          'the UDP announcer gets the HTTP peer',
        );
        assert.equal(u.leechers, 2);
      } finally {
        await c.close();
      }
      const second = await http(8003, 'h2');
      const got = (second[key] as Buffer)
        .toString('hex')
        .match(new RegExp(`.{${family === 4 ? 12 : 36}}`, 'g'));
      assert.deepEqual(
        got?.sort(),
        [entry(8001), entry(8002)].sort(),
        'the HTTP announcer gets the UDP peer',
      );
      assert.equal(second.incomplete, 3);
    }
  });

  test('BEP 41 URL data reaches the tracker through the socket', async (t) => {
    // It watches the tracker object itself, which with worker threads lives in each worker.
    if (svc.pool) return t.skip('the tracker runs in the worker threads');
    const seen: string[] = [];
    const tracker = svc.tracker;
    const original = tracker.announce;
    tracker.announce = function (req: AnnounceRequest, res: AnnounceResult, sink: PeerSink) {
      seen.push(Buffer.from(req.urlData.subarray(0, req.urlLen)).toString());
      return original.call(this, req, res, sink);
    };
    const c = await UdpClient.open('127.0.0.1');
    try {
      const id = await c.connect(svc.udpPort);
      const p = announcePacket({
        connId: id,
        infoHash: hash20('bep41'),
        options: Buffer.from([
          ...urlData('/announce?pass'),
          1,
          ...urlData('key=0123abcd'),
          0,
          ...urlData('/ignored'),
        ]),
      });
      decodeAnnounceReply((await c.request(p, svc.udpPort))!, 4);
    } finally {
      tracker.announce = original;
      await c.close();
    }
    assert.deepEqual(seen, ['/announce?passkey=0123abcd']);
  });
});

for (const { host, family } of HOSTS) {
  test(`a service bound to ${host} alone (one udp${family} socket)`, async () => {
    const svc = await startTestService({ host });
    const c = await UdpClient.open(host);
    try {
      const id = await c.connect(svc.udpPort);
      const r = decodeAnnounceReply(
        (await c.request(announcePacket({ connId: id, infoHash: hash20('solo'), port: 9001 }), svc.udpPort))!,
        family,
      );
      assert.equal(r.leechers, 1);
    } finally {
      await c.close();
      await svc.close();
    }
  });
}

test('connection ids expire (udp.connections.expiry of 0.3 s) without touching the store', async () => {
  const svc = await startTestService({
    tweak: (config) => {
      config.udp.connections.expiry = 0.3;
    },
  });
  const c = await UdpClient.open('127.0.0.1');
  try {
    const id = await c.connect(svc.udpPort);
    const fresh = await c.request(
      announcePacket({ connId: id, infoHash: hash20('exp'), port: 1 }),
      svc.udpPort,
    );
    assert.equal(decodeAnnounceReply(fresh!, 4).leechers, 1);
    const before = dumpStore(svc.store);
    await new Promise((r) => setTimeout(r, 400));
    const stale = await c.request(
      announcePacket({ connId: id, infoHash: hash20('exp'), port: 2, txid: 3 }),
      svc.udpPort,
    );
    assert.deepEqual(decodeError(stale!), { txid: 3, message: 'bad connection id' });
    const scrape = await c.request(scrapePacket(id, 4, [hash20('exp')]), svc.udpPort);
    assert.deepEqual(decodeError(scrape!), { txid: 4, message: 'bad connection id' });
    assert.deepEqual(dumpStore(svc.store), before);
    const again = await c.connect(svc.udpPort);
    const r = await c.request(
      announcePacket({ connId: again, infoHash: hash20('exp'), port: 2 }),
      svc.udpPort,
    );
    assert.equal(decodeAnnounceReply(r!, 4).leechers, 2);
  } finally {
    await c.close();
    await svc.close();
  }
});

test('udp.enabled false: no UDP socket, udpPort 0', async () => {
  const svc = await startTestService({ env: { TRAKX_UDP_ENABLED: 'false' } });
  try {
    assert.equal(svc.udpPort, 0);
  } finally {
    await svc.close();
  }
});

test('a UDP port already in use stops start-up with the bind error', async () => {
  const first = await startTestService({ host: '127.0.0.1' });
  try {
    await assert.rejects(
      startTestService({
        host: '127.0.0.1',
        tweak: (config) => {
          (config.udp as { port: number }).port = first.udpPort;
        },
      }),
      { code: 'EADDRINUSE' },
    );
    // The first one still serves.
    const c = await UdpClient.open('127.0.0.1');
    try {
      assert.equal((await c.connect(first.udpPort)).length, 8);
    } finally {
      await c.close();
    }
  } finally {
    await first.close();
  }
});
