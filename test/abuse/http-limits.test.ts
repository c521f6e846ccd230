// The HTTP side of the abuse limits against a real service over real sockets:
// spoofed X-Forwarded-For, the per-IP peer cap (IPv4 /32 and IPv6 /64), the announce
// rate limit and its recovery, connection and header limits, and every hit counted in
// /metrics (trakx_limit_hits_total). UDP is off (noUdp): its side has its own tests.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { HttpFrontend } from '../../app/frontend/http/frontend.ts';
import type { Service } from '../../app/service.ts';
import { bdecode } from '../helpers/bdecode.ts';
import { pct } from '../helpers/http-client.ts';
import { freePort, waitFor } from '../helpers/process.ts';
import { noUdp, startTestService } from '../helpers/service.ts';
import { dumpStore } from '../helpers/store-dump.ts';
import { announce, failure, limitHits, peersOf, type Reply } from './announce.ts';
import { bodyOf, getRequest, rawHttp } from './raw-http.ts';
import { seedUnreadTorrent, UNREAD_HASH, UNREAD_PEERS, unreadClient, unreadPeers } from './unread-client.ts';

test('X-Forwarded-For from an untrusted peer is ignored; from a trusted proxy the right-most entry counts', async () => {
  const open = await startTestService({ tweak: noUdp });
  try {
    const h = randomBytes(20);
    const r = await announce(open, { hash: h, port: 7001, xff: '6.6.6.6' });
    assert.equal(failure(r), undefined);
    assert.deepEqual(
      [...(r['external ip'] as Buffer)],
      [127, 0, 0, 1],
      'BEP 24 external ip is the socket address',
    );
    assert.deepEqual(peersOf(open, h), ['127.0.0.1:7001'], 'stored under the socket address, not the header');
  } finally {
    await open.close();
  }
  const proxied = await startTestService({
    env: { TRAKX_HTTP_TRUSTPROXY: '127.0.0.1' },
    tweak: noUdp,
  });
  try {
    const h = randomBytes(20);
    // The client wrote 6.6.6.6 itself; the proxy appended the address it saw.
    await announce(proxied, { hash: h, port: 7002, xff: '6.6.6.6, 1.2.3.4' });
    assert.deepEqual(
      peersOf(proxied, h),
      ['1.2.3.4:7002'],
      'right-most untrusted entry, never the left-most',
    );
    // Not from the trusted proxy (127.0.0.2): the header is ignored.
    await announce(proxied, { hash: h, port: 7003, xff: '5.5.5.5', from: '127.0.0.2' });
    assert.deepEqual(peersOf(proxied, h), ['1.2.3.4:7002', '127.0.0.2:7003']);
  } finally {
    await proxied.close();
  }
});

test('peersPerIp caps one IPv4 address and one IPv6 /64 per torrent', async () => {
  const svc = await startTestService({
    env: { TRAKX_LIMITS_PEERSPERIP: '2', TRAKX_HTTP_TRUSTPROXY: '127.0.0.1' },
    tweak: noUdp,
  });
  try {
    const h = randomBytes(20);
    const other = randomBytes(20);
    const ids = [randomBytes(20), randomBytes(20), randomBytes(20)];
    // IPv4 /32 over direct sockets: 127.0.0.1 and 127.0.0.2 are different hosts.
    for (const port of [1001, 1002]) {
      assert.equal(failure(await announce(svc, { hash: h, port, from: '127.0.0.2', id: ids[0] })), undefined);
    }
    const before = dumpStore(svc.store, { lastSeen: false });
    const refused = await announce(svc, { hash: h, port: 1003, from: '127.0.0.2' });
    assert.match(failure(refused) ?? '', /too many peers from your address/);
    assert.deepEqual(dumpStore(svc.store, { lastSeen: false }), before, 'the refused peer was not stored');
    assert.equal(
      failure(await announce(svc, { hash: h, port: 1001, from: '127.0.0.2', id: ids[0] })),
      undefined,
      'a known peer re-announces',
    );
    assert.equal(
      failure(await announce(svc, { hash: other, port: 1003, from: '127.0.0.2' })),
      undefined,
      'the cap is per torrent',
    );
    assert.equal(
      failure(await announce(svc, { hash: h, port: 1003, from: '127.0.0.3' })),
      undefined,
      'another /32',
    );
    await announce(svc, { hash: h, port: 1001, from: '127.0.0.2', event: 'stopped' });
    assert.equal(
      failure(await announce(svc, { hash: h, port: 1003, from: '127.0.0.2' })),
      undefined,
      'a stopped peer frees its place',
    );

    // IPv6 /64 through the trusted proxy: two addresses of one /64 share the cap.
    const v6 = randomBytes(20);
    for (const xff of ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:fffe']) {
      assert.equal(failure(await announce(svc, { hash: v6, port: 2001, xff })), undefined);
    }
    const r = await announce(svc, { hash: v6, port: 2002, xff: '2001:db8:1:2:1234::9' });
    assert.match(failure(r) ?? '', /too many peers from your address/, 'third address in the same /64');
    assert.equal(
      failure(await announce(svc, { hash: v6, port: 2002, xff: '2001:db8:1:3::1' })),
      undefined,
      'next /64',
    );
    assert.equal(peersOf(svc, v6).length, 3);

    // And the real IPv6 loopback socket (::1 is its own /64).
    const lo = randomBytes(20);
    for (const port of [3001, 3002]) {
      assert.equal(failure(await announce(svc, { hash: lo, port, host: '::1' })), undefined);
    }
    assert.match(failure(await announce(svc, { hash: lo, port: 3003, host: '::1' })) ?? '', /too many peers/);
    assert.ok((await limitHits(svc)).peers_per_ip! >= 3, 'hits are counted');
  } finally {
    await svc.close();
  }
});

test('announce rate limit per address over HTTP, recovering after the refill time', async () => {
  const rate = 4;
  const svc = await startTestService({
    env: { TRAKX_LIMITS_ANNOUNCERATE: String(rate), TRAKX_LIMITS_ANNOUNCEBURST: '4' },
    tweak: noUdp,
  });
  try {
    const h = randomBytes(20);
    const id = randomBytes(20);
    const results: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++)
      results.push(failure(await announce(svc, { hash: h, port: 4000 + i, id, from: '127.0.0.5' })));
    // 4 at once (the burst), then refused; a little refill may sneak in between requests.
    assert.deepEqual(results.slice(0, 4), [undefined, undefined, undefined, undefined]);
    assert.match(results[5] ?? '', /too many announces/);
    const stored = peersOf(svc, h);
    assert.ok(!stored.includes('127.0.0.5:4005'), 'a refused announce stores nothing');
    assert.equal(
      failure(await announce(svc, { hash: h, port: 4100, from: '127.0.0.6' })),
      undefined,
      'other addresses are not affected',
    );
    // Drain, then wait for two tokens' worth of refill.
    while (failure(await announce(svc, { hash: h, port: 4000, id, from: '127.0.0.5' })) === undefined);
    await new Promise((r) => setTimeout(r, (2 * 1000) / rate + 50));
    assert.equal(
      failure(await announce(svc, { hash: h, port: 4000, id, from: '127.0.0.5' })),
      undefined,
      'recovered',
    );
    assert.ok((await limitHits(svc)).rate! >= 2);
  } finally {
    await svc.close();
  }
});

test('db.maxTorrents, db.maxPeersPerTorrent and scrape.maxHashes hits are counted', async () => {
  const svc = await startTestService({
    env: { TRAKX_DB_MAXTORRENTS: '2', TRAKX_DB_MAXPEERSPERTORRENT: '2', TRAKX_SCRAPE_MAXHASHES: '3' },
    tweak: noUdp,
  });
  try {
    const [a, b, c] = [randomBytes(20), randomBytes(20), randomBytes(20)];
    await announce(svc, { hash: a, port: 1 });
    await announce(svc, { hash: b, port: 1 });
    assert.match(failure(await announce(svc, { hash: c, port: 1 })) ?? '', /tracker is full/);
    await announce(svc, { hash: a, port: 2 });
    assert.equal(
      failure(await announce(svc, { hash: a, port: 3 })),
      undefined,
      'a full torrent evicts its stalest peer',
    );
    assert.equal(peersOf(svc, a).length, 2);
    const q = [a, b, c, randomBytes(20)].map((h) => `info_hash=${pct(h)}`).join('&');
    const res = await rawHttp(svc.httpPort, getRequest(`/scrape?${q}`));
    assert.match(String((bdecode(bodyOf(res.data)) as Reply)['failure reason']), /too many info_hashes/);
    const hits = await limitHits(svc);
    assert.equal(hits.torrents, 1);
    assert.equal(hits.peers_per_torrent, 1);
    assert.equal(hits.scrape_hashes, 1);
  } finally {
    await svc.close();
  }
});

test('connection cap, header size and request timeout: refused, counted, service unharmed', async () => {
  const svc = await startTestService({
    host: '127.0.0.1',
    env: {
      TRAKX_LIMITS_MAXCONNECTIONS: '4',
      TRAKX_LIMITS_MAXHEADERSIZE: '2048',
      TRAKX_LIMITS_REQUESTTIMEOUT: '800ms',
    },
    tweak: noUdp,
  });
  try {
    // Four connections that send nothing fill the cap; a fifth is closed unanswered.
    const idle = Array.from({ length: 4 }, () =>
      rawHttp(svc.httpPort, Buffer.alloc(0), { end: false, timeoutMs: 5000 }),
    );
    await new Promise((r) => setTimeout(r, 150));
    const fifth = await rawHttp(svc.httpPort, Buffer.from('GET /heartbeat HTTP/1.1\r\nHost: t\r\n\r\n'), {
      end: false,
      timeoutMs: 3000,
    });
    assert.equal(fifth.closed, true);
    assert.equal(fifth.status, 0, 'dropped at once, nothing served');
    // The idle ones are cut off by the request timeout (408), freeing the places.
    for (const r of await Promise.all(idle)) {
      assert.equal(r.status, 408);
      assert.ok(r.ms < 3000, `idle connection cut after ${Math.round(r.ms)} ms`);
    }
    const big = await rawHttp(
      svc.httpPort,
      Buffer.from(`GET /announce?${'a'.repeat(3000)} HTTP/1.1\r\nHost: t\r\n\r\n`),
    );
    assert.equal(big.status, 431);
    const hdr = await rawHttp(
      svc.httpPort,
      Buffer.from(`GET / HTTP/1.1\r\nHost: t\r\nCookie: ${'c'.repeat(3000)}\r\n\r\n`),
    );
    assert.equal(hdr.status, 431);
    const ok = await rawHttp(svc.httpPort, getRequest('/heartbeat'));
    assert.equal(ok.status, 200);
    const hits = await limitHits(svc);
    assert.ok(hits.connections! >= 1, 'drop counted');
    assert.equal(hits.header_size, 2);
    assert.equal(hits.timeout, 4);
  } finally {
    await svc.close();
  }
});

test('/metrics and /stats can be moved off the public tracker port', async () => {
  const port = await freePort();
  const svc = await startTestService({
    host: '127.0.0.1',
    tweak: (c) => {
      c.udp.enabled = false;
      c.metrics.port = port;
    },
  });
  try {
    const get = (p: number, path: string) => rawHttp(p, getRequest(path));
    for (const path of ['/metrics', '/stats']) {
      assert.equal((await get(svc.httpPort, path)).status, 404, `${path} is not on the tracker port`);
      assert.equal((await get(port, path)).status, 200, `${path} is on the private listener`);
    }
  } finally {
    await svc.close();
  }
});

/** Connections the server holds (every accepted socket, the front's and node:http's). */
function connections(svc: Service): Promise<number> {
  const http = svc.frontends.find((f) => f instanceof HttpFrontend) as HttpFrontend;
  return new Promise((ok, fail) => http.app!.server.getConnections((err, n) => (err ? fail(err) : ok(n))));
}

const UNREAD_CASES = [
  ['close', false],
  ['http1.0', false],
  ['close', true],
  ['http1.0', true],
] as const;

test('clients that pipeline up to a close and never read are timed out, fresh and kept', async () => {
  const svc = await startTestService({
    host: '127.0.0.1',
    env: {
      TRAKX_NUMWANT_LIMIT: String(UNREAD_PEERS),
      TRAKX_LIMITS_REQUESTTIMEOUT: '300ms',
      TRAKX_LIMITS_IDLETIMEOUT: '300ms',
    },
    tweak: noUdp,
  });
  const clients: Socket[] = [];
  try {
    await seedUnreadTorrent(svc.httpPort);
    for (let i = 0; i < 2; i++)
      for (const [last, kept] of UNREAD_CASES)
        clients.push(await unreadClient(svc.httpPort, last, kept, clients.length));
    // Their replies wait unread; the server cuts them off and holds no connection then.
    await waitFor(
      'the server to close every unread connection',
      15_000,
      async () => (await connections(svc)) === 0,
    );
  } finally {
    for (const c of clients) c.destroy();
    await svc.close();
  }
});

test('closing the service ends connections whose replies are unread and saves the snapshot', async () => {
  const svc = await startTestService({
    host: '127.0.0.1',
    env: { TRAKX_NUMWANT_LIMIT: String(UNREAD_PEERS) },
    tweak: noUdp,
  });
  const clients: Socket[] = [];
  let closing: Promise<void> | undefined;
  try {
    await seedUnreadTorrent(svc.httpPort);
    for (const [last, kept] of UNREAD_CASES)
      clients.push(await unreadClient(svc.httpPort, last, kept, clients.length));
    const all = unreadPeers(clients.length, UNREAD_CASES.filter(([, kept]) => kept).length);
    await waitFor('every request read', 10_000, async () => peersOf(svc, UNREAD_HASH).length === all);
    closing = svc.close();
    const finished = await Promise.race([
      closing.then(() => true),
      new Promise<false>((ok) => setTimeout(ok, 8000, false)),
    ]);
    assert.equal(finished, true, 'close() finished with the unread clients still connected');
    assert.ok(existsSync(svc.config.db.backup.path), 'final snapshot saved');
  } finally {
    for (const c of clients) c.destroy();
    if (closing === undefined) await svc.close();
    else await closing;
  }
});
