// Announce over real HTTP on 127.0.0.1 and ::1 against a service listening on `::`
// (dual stack): every field of the reply, peers finding each other across families,
// seeders, self-exclusion, numwant, stopped, completed, and the dictionary model.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import type { BValue } from '../helpers/bdecode.ts';
import { get } from '../helpers/http-client.ts';
import { peerId } from '../helpers/ids.ts';
import { startTestService } from '../helpers/service.ts';
import {
  announce,
  freshHash,
  HOSTS,
  LOOPBACK6_HEX,
  peers4,
  peers6,
  scrapePath,
  trackerReply,
} from './util.ts';

let svc: Service;
before(async () => {
  svc = await startTestService();
});
after(async () => {
  await svc?.close();
});

/** What the requester's own address looks like in compact peer lists. */
const self4 = (port: number) => `127.0.0.1:${port}`;
const self6 = (port: number) => `${LOOPBACK6_HEX}:${port}`;

async function scrape(host: string, hash: Buffer): Promise<{ [k: string]: BValue }> {
  const d = trackerReply(await get(host, svc.httpPort, scrapePath([hash])));
  return (d.files as { [k: string]: { [k: string]: BValue } })[hash.toString('latin1')];
}

for (const host of HOSTS) {
  const v6 = host === '::1';
  describe(`announce from ${host}`, () => {
    test('the first announce: exact keys and values, external ip, no peers', async () => {
      const hash = freshHash();
      const d = await announce(svc, host, { hash, id: peerId(1), port: 6881, event: 'started' });
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
      assert.equal(d.complete, 0);
      assert.equal(d.incomplete, 1);
      assert.equal(d.downloaded, 0);
      const interval = d.interval as number;
      assert.ok(interval >= 1800 && interval < 1800 + 300, `interval ${interval} not in [30m, 35m)`);
      assert.equal(d['min interval'], 900);
      const ext = d['external ip'] as Buffer;
      if (v6) assert.deepEqual(ext, Buffer.from(LOOPBACK6_HEX, 'hex'), 'external ip: 16 bytes of ::1');
      else assert.deepEqual(ext, Buffer.from([127, 0, 0, 1]), 'external ip: 4 bytes of 127.0.0.1');
      assert.deepEqual(d.peers, Buffer.alloc(0));
      assert.deepEqual(d.peers6, Buffer.alloc(0));
    });

    test('interval is fuzzed: base + random[0, fuzz)', async () => {
      const hash = freshHash();
      const seen = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const d = await announce(svc, host, { hash, id: peerId(1), port: 6881 });
        const interval = d.interval as number;
        assert.ok(interval >= 1800 && interval < 2100, `interval ${interval}`);
        seen.add(interval);
      }
      assert.ok(seen.size > 1, 'twenty announces all got the same interval');
    });

    test('two peers of one torrent find each other, never themselves', async () => {
      const hash = freshHash();
      const me = v6 ? self6 : self4;
      const a = await announce(svc, host, { hash, id: peerId(1), port: 7001 });
      assert.deepEqual(peers4(a.peers).concat(peers6(a.peers6)), []);
      const b = await announce(svc, host, { hash, id: peerId(2), port: 7002 });
      const bSees = v6 ? peers6(b.peers6) : peers4(b.peers);
      assert.deepEqual(bSees, [me(7001)]);
      assert.equal(b.incomplete, 2);
      const a2 = await announce(svc, host, { hash, id: peerId(1), port: 7001 });
      assert.deepEqual(v6 ? peers6(a2.peers6) : peers4(a2.peers), [me(7002)]);
      assert.deepEqual(v6 ? peers4(a2.peers) : peers6(a2.peers6), [], 'nothing in the other family');
    });

    test('peers of the other family come too: peers6 for a v4 requester, peers for a v6 one', async () => {
      const hash = freshHash();
      const other = v6 ? '127.0.0.1' : '::1';
      await announce(svc, other, { hash, id: peerId(1), port: 7100 });
      const d = await announce(svc, host, { hash, id: peerId(2), port: 7101 });
      if (v6) {
        assert.deepEqual(peers4(d.peers), [self4(7100)]);
        assert.deepEqual(peers6(d.peers6), []);
      } else {
        assert.deepEqual(peers6(d.peers6), [self6(7100)]);
        assert.deepEqual(peers4(d.peers), []);
      }
      assert.equal(d.incomplete, 2);
    });

    test('a seeder gets no seeders; a leecher gets both', async () => {
      const hash = freshHash();
      await announce(svc, host, { hash, id: peerId(1), port: 7201, left: 0 });
      await announce(svc, host, { hash, id: peerId(2), port: 7202, left: 0 });
      await announce(svc, host, { hash, id: peerId(3), port: 7203, left: 5 });
      const seeder = await announce(svc, host, { hash, id: peerId(1), port: 7201, left: 0 });
      const list = (d: { [k: string]: BValue }) => (v6 ? peers6(d.peers6) : peers4(d.peers)).sort();
      const me = v6 ? self6 : self4;
      assert.deepEqual(list(seeder), [me(7203)]);
      assert.equal(seeder.complete, 2);
      assert.equal(seeder.incomplete, 1);
      const leecher = await announce(svc, host, { hash, id: peerId(3), port: 7203, left: 5 });
      assert.deepEqual(list(leecher), [me(7201), me(7202)]);
    });

    test('numwant is respected, numwant=0 gives no peers but the counts', async () => {
      const hash = freshHash();
      for (let i = 0; i < 30; i++) await announce(svc, host, { hash, id: peerId(i), port: 8000 + i });
      const five = await announce(svc, host, { hash, id: peerId(100), port: 9000, numwant: 5 });
      const got = v6 ? peers6(five.peers6) : peers4(five.peers);
      assert.equal(got.length, 5);
      assert.equal(new Set(got).size, 5);
      const none = await announce(svc, host, { hash, id: peerId(100), port: 9000, numwant: 0 });
      assert.deepEqual(peers4(none.peers).concat(peers6(none.peers6)), []);
      assert.equal(none.incomplete, 31);
      const all = await announce(svc, host, { hash, id: peerId(100), port: 9000 });
      assert.equal((v6 ? peers6(all.peers6) : peers4(all.peers)).length, 30, 'default numwant 50 > 30');
    });

    test('stopped removes the peer and answers without peers', async () => {
      const hash = freshHash();
      await announce(svc, host, { hash, id: peerId(1), port: 7301 });
      await announce(svc, host, { hash, id: peerId(2), port: 7302 });
      const stop = await announce(svc, host, { hash, id: peerId(1), port: 7301, event: 'stopped' });
      assert.equal(stop.incomplete, 1);
      assert.deepEqual(peers4(stop.peers).concat(peers6(stop.peers6)), []);
      const other = await announce(svc, host, { hash, id: peerId(2), port: 7302 });
      assert.deepEqual(peers4(other.peers).concat(peers6(other.peers6)), []);
      assert.equal(other.incomplete, 1);
      // Stopping the last peer frees the torrent: scrape reports zeros.
      await announce(svc, host, { hash, id: peerId(2), port: 7302, event: 'stopped' });
      assert.deepEqual(await scrape(host, hash), { complete: 0, downloaded: 0, incomplete: 0 });
    });

    test('completed counts once per peer in scrape downloaded', async () => {
      const hash = freshHash();
      await announce(svc, host, { hash, id: peerId(1), port: 7401, event: 'started' });
      await announce(svc, host, { hash, id: peerId(2), port: 7402, event: 'started' });
      const c1 = await announce(svc, host, { hash, id: peerId(1), port: 7401, left: 0, event: 'completed' });
      assert.equal(c1.downloaded, 1);
      await announce(svc, host, { hash, id: peerId(1), port: 7401, left: 0, event: 'completed' });
      await announce(svc, host, { hash, id: peerId(1), port: 7401, left: 0 });
      assert.deepEqual(await scrape(host, hash), { complete: 1, downloaded: 1, incomplete: 1 });
      // The other one finishes without sending completed (left=0 only): still a download.
      await announce(svc, host, { hash, id: peerId(2), port: 7402, left: 0 });
      assert.deepEqual(await scrape(host, hash), { complete: 2, downloaded: 2, incomplete: 0 });
      // A peer that arrives as a seeder downloaded nothing here.
      await announce(svc, host, { hash, id: peerId(3), port: 7403, left: 0 });
      assert.deepEqual(await scrape(host, hash), { complete: 3, downloaded: 2, incomplete: 0 });
    });

    test('paused and an empty event are accepted like a plain announce', async () => {
      const hash = freshHash();
      const p = await announce(svc, host, { hash, id: peerId(1), port: 7501, event: 'paused' });
      assert.equal(p.incomplete, 1);
      const e = await announce(svc, host, { hash, id: peerId(2), port: 7502, event: '' });
      assert.equal(e.incomplete, 2);
    });

    test('compact=0: a list of {ip, peer id, port} dicts; no_peer_id=1 leaves peer id out', async () => {
      const hash = freshHash();
      const id1 = Buffer.from('-XX01-\x00\x01\x02\x03\xff\xfe&=%+ #?\x7f', 'latin1');
      assert.equal(id1.length, 20);
      await announce(svc, '127.0.0.1', { hash, id: id1, port: 7601 });
      await announce(svc, '::1', { hash, id: peerId(2), port: 7602 });
      const d = await announce(svc, host, { hash, id: peerId(3), port: 7603, compact: '0' });
      assert.equal(d.peers6, undefined, 'no peers6 in the dictionary model');
      const peers = (d.peers as { [k: string]: BValue }[]).sort(
        (a, b) => (a.port as number) - (b.port as number),
      );
      assert.deepEqual(peers, [
        { ip: Buffer.from('127.0.0.1'), 'peer id': id1, port: 7601 },
        { ip: Buffer.from('::1'), 'peer id': peerId(2), port: 7602 },
      ]);
      const n = await announce(svc, host, { hash, id: peerId(3), port: 7603, compact: '0', noPeerId: true });
      const np = (n.peers as { [k: string]: BValue }[]).sort(
        (a, b) => (a.port as number) - (b.port as number),
      );
      assert.deepEqual(np, [
        { ip: Buffer.from('127.0.0.1'), port: 7601 },
        { ip: Buffer.from('::1'), port: 7602 },
      ]);
      // compact=1 (and any value but 0) is the compact form.
      const c = await announce(svc, host, { hash, id: peerId(3), port: 7603, compact: '1' });
      assert.ok(Buffer.isBuffer(c.peers));
    });
  });
}

describe('peer identity', () => {
  test('the same peer_id from another address does not overwrite the first', async () => {
    const hash = freshHash();
    const id = peerId(42);
    await announce(svc, '127.0.0.1', { hash, id, port: 6881 }, { localAddress: '127.0.0.2' });
    const d = await announce(
      svc,
      '127.0.0.1',
      { hash, id, port: 6881, left: 0 },
      { localAddress: '127.0.0.3' },
    );
    assert.equal(d.incomplete, 1, 'the first peer is still a leecher');
    assert.equal(d.complete, 1);
    assert.deepEqual(peers4(d.peers), ['127.0.0.2:6881']);
    // And a stopped from the second address does not remove the first.
    await announce(
      svc,
      '127.0.0.1',
      { hash, id, port: 6881, event: 'stopped' },
      { localAddress: '127.0.0.3' },
    );
    const e = await announce(
      svc,
      '127.0.0.1',
      { hash, id: peerId(7), port: 1 },
      { localAddress: '127.0.0.4' },
    );
    assert.deepEqual(peers4(e.peers), ['127.0.0.2:6881']);
  });

  test('the same address and port re-announcing is one peer, whatever its peer_id', async () => {
    const hash = freshHash();
    await announce(svc, '::1', { hash, id: peerId(1), port: 6881 });
    const d = await announce(svc, '::1', { hash, id: peerId(2), port: 6881 });
    assert.equal(d.incomplete, 1);
  });
});

describe('numwant limits', () => {
  let limited: Service;
  before(async () => {
    limited = await startTestService({ env: { TRAKX_NUMWANT_DEFAULT: '7', TRAKX_NUMWANT_LIMIT: '10' } });
  });
  after(async () => {
    await limited?.close();
  });

  for (const host of HOSTS) {
    test(`numwant is capped by numwant.limit and defaults to numwant.default (${host})`, async () => {
      const hash = freshHash();
      // 15 v4 and 15 v6 peers.
      for (let i = 0; i < 15; i++) {
        await announce(limited, '127.0.0.1', { hash, id: peerId(i), port: 10_000 + i });
        await announce(limited, '::1', { hash, id: peerId(i), port: 11_000 + i });
      }
      const count = (d: { [k: string]: BValue }) => peers4(d.peers).length + peers6(d.peers6).length;
      const big = await announce(limited, host, { hash, id: peerId(99), port: 12_000, numwant: 1000 });
      assert.equal(count(big), 10);
      const dflt = await announce(limited, host, { hash, id: peerId(99), port: 12_000 });
      assert.equal(count(dflt), 7);
      const own = host === '::1' ? peers6(dflt.peers6) : peers4(dflt.peers);
      assert.equal(own.length, 7, 'the requester’s own family first');
      const three = await announce(limited, host, { hash, id: peerId(99), port: 12_000, numwant: 3 });
      assert.equal(count(three), 3);
    });
  }
});
