// WsTracker on a real node:http server on 127.0.0.1 and ::1, driven by raw WebSocket
// clients: the protocol exchange, scrape, removal, hooks, malformed input and every limit.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { WsAction, WsResult } from '../../app/frontend/ws/options.ts';
import { bin, type Harness, RawClient, refusedStatus, startTracker } from './harness.ts';

const IH = `\u0000\u00ff"\\${'h'.repeat(16)}`;
const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };

function announce(peer: string, extra: Record<string, unknown> = {}) {
  return {
    action: 'announce',
    info_hash: IH,
    peer_id: bin(peer),
    numwant: 5,
    uploaded: 0,
    downloaded: 0,
    ...extra,
  };
}
function scrapeOf(reply: { files: Record<string, unknown> }, ih = IH) {
  return reply.files[ih];
}

for (const host of ['127.0.0.1', '::1']) {
  describe(`WsTracker on ${host}`, () => {
    let h: Harness;
    const counted: string[] = [];
    let gauge = -1;
    before(async () => {
      h = await startTracker(host, {
        interval: () => 77,
        onMessage: (a: WsAction, r: WsResult) => counted.push(`${a}:${r}`),
        onConnections: (n) => {
          gauge = n;
        },
        check: (req) => (req.infoHash === bin('d') ? 'info_hash denied' : null),
      });
    });
    after(() => h.close());

    test('plain GETs on the same server are untouched; other upgrade paths get 404', async () => {
      const res = await fetch(`${h.base}/announce?info_hash=x`);
      assert.equal(await res.text(), 'plain /announce?info_hash=x');
      assert.equal(await refusedStatus(h.url.replace('/announce', '/other')), 404);
      assert.equal(await (await fetch(`${h.base}/heartbeat`)).text(), 'plain /heartbeat');
    });

    test('offer goes to the other peer, its answer comes back, scrape counts, disconnect removes', async () => {
      const a = await RawClient.open(h.url);
      const b = await RawClient.open(h.url);
      assert.equal(gauge, 2);
      a.send(announce('a', { event: 'started', left: 0, offers: [] }));
      assert.deepEqual(await a.next(), {
        action: 'announce',
        interval: 77,
        info_hash: IH,
        complete: 1,
        incomplete: 0,
      });
      const offerId = bin('o');
      b.send(announce('b', { event: 'started', left: 10, offers: [{ offer: OFFER, offer_id: offerId }] }));
      const rb = await b.next();
      assert.deepEqual([rb.complete, rb.incomplete, rb.info_hash], [1, 1, IH]);
      assert.deepEqual(await a.next(), {
        action: 'announce',
        offer: OFFER,
        offer_id: offerId,
        peer_id: bin('b'),
        info_hash: IH,
      });
      a.send({
        action: 'announce',
        info_hash: IH,
        peer_id: bin('a'),
        to_peer_id: bin('b'),
        answer: ANSWER,
        offer_id: offerId,
      });
      assert.deepEqual(await b.next(), {
        action: 'announce',
        answer: ANSWER,
        offer_id: offerId,
        peer_id: bin('a'),
        info_hash: IH,
      });
      await a.silent(100);

      b.send({ action: 'scrape', info_hash: IH });
      const s1 = await b.next();
      assert.equal(s1.action, 'scrape');
      assert.deepEqual(scrapeOf(s1), { complete: 1, incomplete: 1, downloaded: 0 });
      assert.deepEqual(s1.flags, { min_request_interval: 77 });

      b.send(announce('b', { event: 'completed', left: 0 }));
      assert.equal((await b.next()).complete, 2);
      b.send({ action: 'scrape', info_hash: [IH, bin('z')] });
      const s2 = await b.next();
      assert.deepEqual(scrapeOf(s2), { complete: 2, incomplete: 0, downloaded: 1 });
      assert.deepEqual(scrapeOf(s2, bin('z')), { complete: 0, incomplete: 0, downloaded: 0 });
      b.send({ action: 'scrape' });
      assert.deepEqual(Object.keys((await b.next()).files), [IH], 'the no-hash form lists every swarm');

      a.close();
      await once(a.ws, 'close');
      await waitFor(() => gauge === 1);
      b.send({ action: 'scrape', info_hash: IH });
      assert.deepEqual(scrapeOf(await b.next()), { complete: 1, incomplete: 0, downloaded: 1 });

      b.send(announce('b', { event: 'stopped' }));
      assert.deepEqual([(await b.next()).complete, h.tracker.swarms.peers], [0, 0]);
      b.close();
      assert.ok(
        counted.includes('answer:ok') && counted.includes('scrape:ok') && counted.includes('announce:ok'),
      );
    });

    test("a magnet-only client's offers reach the seeder (left: null is a leecher)", async () => {
      const seeder = await RawClient.open(h.url);
      seeder.send(announce('s', { event: 'completed', left: 0 }));
      await seeder.next();
      const fresh = await RawClient.open(h.url);
      fresh.send(
        announce('m', { event: 'started', left: null, offers: [{ offer: OFFER, offer_id: bin('o') }] }),
      );
      assert.equal((await fresh.next()).incomplete, 1);
      assert.equal((await seeder.next()).peer_id, bin('m'));
      seeder.close();
      fresh.close();
    });

    test('an answer to a peer that is gone is dropped; offers never reach the sender', async () => {
      const a = await RawClient.open(h.url);
      a.send(announce('a', { offers: [{ offer: OFFER, offer_id: bin('o') }] }));
      assert.equal((await a.next()).incomplete, 1);
      a.send({
        action: 'announce',
        info_hash: IH,
        peer_id: bin('a'),
        to_peer_id: bin('x'),
        answer: ANSWER,
        offer_id: bin('o'),
      });
      await a.silent(150);
      assert.ok(counted.includes('answer:no_peer'));
      a.close();
    });

    test('the check hook refuses with action and info_hash; another connection cannot take a peer_id', async () => {
      const a = await RawClient.open(h.url);
      a.send({ ...announce('a'), info_hash: bin('d') });
      assert.deepEqual(await a.next(), {
        action: 'announce',
        'failure reason': 'info_hash denied',
        info_hash: bin('d'),
      });
      a.send(announce('a'));
      await a.next();
      const b = await RawClient.open(h.url);
      b.send(announce('a'));
      assert.deepEqual(await b.next(), {
        action: 'announce',
        'failure reason': 'peer_id in use by another connection',
        info_hash: IH,
      });
      b.send(announce('a', { event: 'stopped' }));
      await b.next();
      assert.equal(
        h.tracker.swarms.get(IH)?.list.length,
        1,
        "a stopped for another connection's peer_id is ignored",
      );
      a.close();
      b.close();
      assert.ok(counted.includes('announce:refused'));
    });

    test('malformed messages get a failure reason and the connection stays usable', async () => {
      const a = await RawClient.open(h.url);
      a.send('{not json');
      assert.deepEqual(await a.next(), { 'failure reason': 'invalid JSON' });
      a.send({ action: 'announce', info_hash: 'short', peer_id: bin('a') });
      assert.deepEqual(await a.next(), { action: 'announce', 'failure reason': 'invalid info_hash' });
      a.send(announce('a', { offers: [{ offer: OFFER }] }));
      assert.equal((await a.next())['failure reason'], 'invalid offer');
      a.send(announce('a', { offers: Array(11).fill({ offer: OFFER, offer_id: bin('o') }) }));
      assert.equal((await a.next())['failure reason'], 'too many offers');
      a.ws.send(Buffer.from([0xff, 0x00, 0x7b]), { binary: true });
      assert.equal((await a.next())['failure reason'], 'invalid JSON');
      a.send(announce('a'));
      assert.equal((await a.next()).incomplete, 1);
      a.close();
      assert.ok(counted.includes('invalid:invalid'));
    });

    test('an oversized message closes the connection (1009)', async () => {
      const a = await RawClient.open(h.url);
      a.send(announce('a', { offers: [{ offer: { sdp: 'x'.repeat(70 * 1024) }, offer_id: bin('o') }] }));
      assert.equal(await a.closed, 1009);
    });
  });
}

describe('WsTracker limits', () => {
  test('most connections: 503 beyond it, room again after a close', async () => {
    const h = await startTracker('127.0.0.1', { maxConnections: 2, maxConnectionsPerIp: 0 });
    try {
      const a = await RawClient.open(h.url);
      const b = await RawClient.open(h.url);
      assert.equal(await refusedStatus(h.url), 503);
      a.close();
      await waitFor(() => h.tracker.connections === 1);
      const c = await RawClient.open(h.url);
      b.close();
      c.close();
    } finally {
      await h.close();
    }
  });

  test('per-IP cap: 429 beyond it for that address only', async () => {
    const v4 = await startTracker('127.0.0.1', { maxConnectionsPerIp: 2 });
    const v6 = await startTracker('::1', { maxConnectionsPerIp: 2 });
    try {
      const open = [await RawClient.open(v4.url), await RawClient.open(v4.url)];
      assert.equal(await refusedStatus(v4.url), 429);
      open.push(await RawClient.open(v6.url), await RawClient.open(v6.url));
      assert.equal(await refusedStatus(v6.url), 429);
      open[0].close();
      await waitFor(() => v4.tracker.connections === 1);
      open.push(await RawClient.open(v4.url));
      for (const c of open) c.close();
    } finally {
      await v4.close();
      await v6.close();
    }
  });

  test(
    'idle timeout: a client that answers no ping is closed, one that does stays',
    { timeout: 10_000 },
    async () => {
      const h = await startTracker('127.0.0.1', { idleTimeoutMs: 300 });
      try {
        const mute = await RawClient.open(h.url, { autoPong: false });
        const live = await RawClient.open(h.url);
        const code = await mute.closed;
        assert.equal(code, 1006, 'terminated, no close handshake');
        assert.equal(live.ws.readyState, live.ws.OPEN);
        live.send(announce('a'));
        assert.equal((await live.next()).incomplete, 1);
        live.close();
      } finally {
        await h.close();
      }
    },
  );

  test('a slow reader is closed instead of buffered without bound', { timeout: 60_000 }, async () => {
    const h = await startTracker('127.0.0.1', { maxBufferedBytes: 256 * 1024, maxPayload: 1024 * 1024 });
    try {
      const slow = await RawClient.open(h.url);
      slow.send(announce('s'));
      await slow.next();
      // Stop reading: the kernel's buffers fill, then the server's queue for it.
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const fast = await RawClient.open(h.url);
      const big = { offer: { type: 'offer', sdp: 'x'.repeat(256 * 1024) }, offer_id: bin('o') };
      let sent = 0;
      const deadline = Date.now() + 20_000;
      while (h.tracker.swarms.find(IH, bin('s')) !== undefined && sent < 400 && Date.now() < deadline) {
        fast.send(announce('f', { offers: [big] }));
        await fast.next();
        sent++;
      }
      assert.equal(
        h.tracker.swarms.find(IH, bin('s')),
        undefined,
        `the slow reader was dropped (after ${sent} offers)`,
      );
      assert.ok(sent < 400);
      fast.close();
      slow.close();
    } finally {
      await h.close();
    }
  });

  test('expired peers are swept while their connection stays', async () => {
    const h = await startTracker('127.0.0.1', { peerExpiryMs: 50, sweepMs: 100 });
    try {
      const a = await RawClient.open(h.url);
      a.send(announce('a'));
      await a.next();
      assert.equal(h.tracker.swarms.peers, 1);
      await waitFor(() => h.tracker.swarms.peers === 0);
      assert.equal(a.ws.readyState, a.ws.OPEN);
      a.close();
    } finally {
      await h.close();
    }
  });

  test('invalid options stop construction naming the option', async () => {
    const { WsTracker } = await import('../../app/frontend/ws/ws-tracker.ts');
    assert.throws(() => new WsTracker({ maxOffers: -1 }), /maxOffers/);
    assert.throws(() => new WsTracker({ maxPayload: Number.NaN }), /maxPayload/);
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
