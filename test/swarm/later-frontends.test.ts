// Both frontends against a store that answers later (test/helpers/later-store.ts), over
// real sockets: UDP and HTTP announces and scrapes are answered once the store settles,
// HTTP replies pipelined on one connection keep their order, and nothing is left pending.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { getRequest, rawHttp } from '../abuse/raw-http.ts';
import { get } from '../helpers/http-client.ts';
import { DownStore, LaterStore } from '../helpers/later-store.ts';
import { startTestService } from '../helpers/service.ts';
import { announcePath, freshHash, peers4, scrapePath, trackerReply } from '../http/util.ts';
import { announceBurst } from '../udp/burst.ts';
import { UdpClient } from '../udp/client.ts';
import {
  announcePacket,
  decodeAnnounceReply,
  decodeError,
  decodeScrapeReply,
  hash20,
  scrapePacket,
} from '../udp/packets.ts';

describe('frontends with a store that answers later', () => {
  let svc: Service;
  let store: LaterStore;

  before(async () => {
    store = new LaterStore({ maxTorrents: 1000, maxPeersPerTorrent: 1000 });
    svc = await startTestService({ host: '127.0.0.1', parts: { store } });
  });
  after(() => svc.close());

  test('UDP: 100 senders at once, each reply answered later carries its own transaction id', async () => {
    // With batch I/O the socket reuses each datagram's bytes for its next read while the
    // store has not answered yet.
    await announceBurst(svc.udpPort, '127.0.0.1', 100, 'later-burst');
  });

  test('UDP announce and scrape are answered when the store settles', async () => {
    const c = await UdpClient.open('127.0.0.1');
    try {
      const hash = hash20('later-udp');
      const first = decodeAnnounceReply(
        (await c.request(
          announcePacket({ connId: await c.connect(svc.udpPort), infoHash: hash, port: 7001 }),
          svc.udpPort,
        ))!,
        4,
      );
      assert.equal(first.leechers, 1);
      const second = decodeAnnounceReply(
        (await c.request(
          announcePacket({ connId: await c.connect(svc.udpPort), infoHash: hash, port: 7002, left: 0n }),
          svc.udpPort,
        ))!,
        4,
      );
      assert.deepEqual([second.seeders, second.leechers], [1, 1]);
      assert.deepEqual(second.peers, [{ ip: '127.0.0.1', port: 7001 }]);
      const scrape = decodeScrapeReply(
        (await c.request(
          scrapePacket(await c.connect(svc.udpPort), 9, [hash, hash20('none')]),
          svc.udpPort,
        ))!,
      );
      assert.equal(scrape.txid, 9);
      assert.deepEqual(
        scrape.entries.map((e) => [e.seeders, e.completed, e.leechers]),
        [
          [1, 0, 1],
          [0, 0, 0],
        ],
      );
    } finally {
      await c.close();
    }
    assert.equal(store.pending, 0);
  });

  test('HTTP announce and scrape are answered when the store settles', async () => {
    const hash = freshHash();
    const a = trackerReply(
      await get('127.0.0.1', svc.httpPort, announcePath({ hash, id: Buffer.alloc(20, 1), port: 8001 })),
    );
    assert.equal(a.incomplete, 1);
    const b = trackerReply(
      await get(
        '127.0.0.1',
        svc.httpPort,
        announcePath({ hash, id: Buffer.alloc(20, 2), port: 8002, left: 0 }),
      ),
    );
    assert.deepEqual(peers4(b.peers), ['127.0.0.1:8001']);
    const s = trackerReply(await get('127.0.0.1', svc.httpPort, scrapePath([hash])));
    const files = s.files as Record<string, Record<string, number>>;
    assert.deepEqual(files[hash.toString('latin1')], { complete: 1, downloaded: 0, incomplete: 1 });
    assert.equal(store.pending, 0);
  });

  test('pipelined HTTP announces get their replies in order', async () => {
    const hash = freshHash();
    const paths = [1, 2, 3].map((i) => announcePath({ hash, id: Buffer.alloc(20, i), port: 9000 + i }));
    const keep = (p: string) => Buffer.from(`GET ${p} HTTP/1.1\r\nHost: t\r\n\r\n`, 'latin1');
    const r = await rawHttp(svc.httpPort, [keep(paths[0]), keep(paths[1]), getRequest(paths[2])], {
      host: '127.0.0.1',
      timeoutMs: 5000,
      // node:http drops requests still unanswered when the client half-closes.
      end: false,
    });
    assert.ok(r.closed, 'the server closed after the Connection: close reply');
    const text = r.data.toString('latin1');
    const heads = text.split('HTTP/1.1 200 OK').length - 1;
    assert.equal(heads, 3, 'three replies');
    // Each reply counts the peers announced before it: 1, 2, 3 leechers.
    const incomplete = [...text.matchAll(/10:incompletei(\d+)e/g)].map((m) => Number(m[1]));
    assert.deepEqual(incomplete, [1, 2, 3]);
  });
});

describe('frontends with a store that fails', () => {
  let svc: Service;
  let store: DownStore;

  before(async () => {
    store = new DownStore({ maxTorrents: 1000, maxPeersPerTorrent: 1000 });
    svc = await startTestService({ host: '127.0.0.1', parts: { store } });
  });
  after(() => svc.close());

  test('UDP announce and scrape get an error packet saying to retry, with their txid', async () => {
    const c = await UdpClient.open('127.0.0.1');
    try {
      const hash = hash20('down-udp');
      const id = await c.connect(svc.udpPort);
      for (const [txid, packet] of [
        [5, announcePacket({ connId: id, txid: 5, infoHash: hash, port: 7001 })],
        [6, scrapePacket(id, 6, [hash])],
      ] as const) {
        const err = decodeError((await c.request(packet, svc.udpPort))!);
        assert.equal(err.txid, txid);
        assert.equal(err.message, 'tracker storage is unavailable: retry in a minute');
      }
    } finally {
      await c.close();
    }
    assert.equal(store.failed, 2);
  });
});
