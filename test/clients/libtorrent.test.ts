// Real BitTorrent clients through trakx: two libtorrent sessions in one process
// (Debian's python3-libtorrent, driven by lt_swarm.py) at libtorrent's default settings,
// except that DHT, LSD, UPnP and NAT-PMP are off (no network here), complete a download,
// so the tracker is the only way they can meet. Each case also
// checks the tracker's side: while the clients are still running, the swarm holds both
// of them as seeders with one completed download; once they announce `stopped`, it is
// empty. A negative control points the torrent at a closed port
// and the download must not happen.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { SwarmCounts } from '../../app/bittorrent/peer-sink.ts';
import type { Service } from '../../app/service.ts';
import { startTestService } from '../helpers/service.ts';
import {
  CONTROL_TIMEOUT,
  DOWNLOAD_TIMEOUT,
  eventually,
  missing,
  runSwarm,
  type SwarmResult,
  skip,
} from './lt-swarm.ts';

function countsOf(service: Service, infoHashHex: string): SwarmCounts {
  const out = { seeders: 0, leechers: 0, downloaded: 0 };
  return service.store.counts(Buffer.from(infoHashHex, 'hex'), 0, out) as SwarmCounts;
}

/** A port on `host` that nothing listens on (bound, then released). */
async function closedTcpPort(host: string): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, host, res));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((res) => srv.close(() => res()));
  return port;
}

/** What every successful case must show, on the client's side and on the tracker's. */
async function assertDownloadThroughTracker(
  service: Service,
  announce: string,
  iface: string,
  family: 4 | 6,
  hybrid = false,
): Promise<SwarmResult> {
  const whileRunning = (r: SwarmResult) => {
    assert.equal(r.ok, true, `download failed: ${JSON.stringify(r)}`);
    assert.ok(r.tracker_hashes.includes(r.info_hash), "the torrent's hash is one the tracker sees");
    // While both sessions still run: the tracker holds both as seeders of each announced
    // hash (the leecher announced `completed`), in the right address family, and nothing else.
    return eventually(() => {
      for (const hash of r.tracker_hashes) {
        const c = countsOf(service, hash);
        assert.deepEqual(c, { seeders: 2, leechers: 0, downloaded: 1 }, `tracker swarm of ${hash}`);
      }
      const t = service.store.totals();
      const seeders = 2 * r.tracker_hashes.length;
      assert.equal(t.torrents, r.tracker_hashes.length, 'torrents in the store');
      assert.equal(family === 4 ? t.seeders4 : t.seeders6, seeders, `IPv${family} seeders in the store`);
      assert.equal(family === 4 ? t.seeders6 : t.seeders4, 0, 'no peers of the other family');
    });
  };
  // After both sent `stopped`: they are gone from the tracker, and each torrent is kept
  // only for its completed count (BEP 48: downloaded never goes back).
  const afterStop = (r: SwarmResult) =>
    eventually(() => {
      for (const hash of r.tracker_hashes) {
        assert.deepEqual(
          countsOf(service, hash),
          { seeders: 0, leechers: 0, downloaded: 1 },
          `${hash} after stop`,
        );
      }
      // Earlier cases' count-only records stay too: only torrents with peers must be gone.
      assert.equal(service.store.totals().torrents, 0);
    });
  const { result, stopsSent, code, stderr } = await runSwarm(announce, iface, DOWNLOAD_TIMEOUT, {
    whileRunning,
    afterStop,
    hybrid,
  });
  assert.equal(stopsSent, true, 'both clients announced stopped');
  assert.equal(code, 0, `lt_swarm.py exit ${code}: ${stderr}`);
  assert.equal(result.verified, true, 'downloaded bytes equal the original');

  // The tracker answered every announce, and the leecher's first answer carried the seeder.
  assert.deepEqual(result.tracker_errors, [], 'no tracker errors');
  assert.deepEqual(result.tracker_warnings, [], 'no tracker warnings');
  const seederReplies = result.tracker_replies.filter((r) => r.who === 'seeder');
  const leecherReplies = result.tracker_replies.filter((r) => r.who === 'leecher');
  assert.ok(seederReplies.length >= 1, 'the seeder got a tracker reply');
  assert.ok(
    leecherReplies.length >= 1 && leecherReplies[0].num_peers >= 1,
    'the tracker gave the leecher a peer',
  );
  for (const r of result.tracker_replies) assert.equal(r.url, announce);

  // How they met: the leecher dialled the seeder's listen port, and libtorrent files that
  // peer under "tracker" and nothing else. Two seeds hang up at once (libtorrent's
  // default), so the polled peer list may have missed the connection altogether.
  assert.deepEqual(
    result.leecher_peer_sources.filter((s) => s !== 'tracker'),
    [],
    'no peer source but the tracker',
  );
  const dialled = result.outgoing.filter((o) => o.who === 'leecher').map((o) => o.ep);
  assert.ok(
    dialled.some(
      (ep) => ep.endsWith(`]:${result.seeder_listen}`) || ep === `127.0.0.1:${result.seeder_listen}`,
    ),
    `leecher dialled the seeder (${dialled.join(', ')}; seeder on ${result.seeder_listen})`,
  );
  const peerHost = family === 4 ? '127.0.0.1' : '::1';
  assert.ok(
    result.leecher_peers.every((p) => p.startsWith(`${peerHost}:`)),
    result.leecher_peers.join(', '),
  );

  // Nothing else could have introduced them.
  assert.deepEqual(result.settings, {
    enable_dht: false,
    enable_lsd: false,
    enable_upnp: false,
    enable_natpmp: false,
  });
  assert.equal(result.dht_running, false);
  assert.ok(result.remote_extensions.length > 0, 'extension handshakes were seen');

  return result;
}

describe('python3-libtorrent through trakx', { skip, timeout: 180_000 }, () => {
  let service: Service;

  before(async () => {
    assert.equal(missing, null, missing ?? '');
    service = await startTestService({ host: '::' });
  });
  after(async () => {
    await service?.close();
  });

  test('HTTP tracker, IPv4: the leecher finds the seeder through trakx and downloads', async () => {
    await assertDownloadThroughTracker(
      service,
      `http://127.0.0.1:${service.httpPort}/announce`,
      '127.0.0.1:0',
      4,
    );
  });

  test('HTTP tracker, IPv6 (::1): peers6 brings the seeder', async () => {
    await assertDownloadThroughTracker(service, `http://[::1]:${service.httpPort}/announce`, '[::1]:0', 6);
  });

  test('UDP tracker, IPv4: both sessions use the one connection id libtorrent caches per process', async () => {
    assert.ok(service.udpPort > 0, 'the UDP tracker listens');
    await assertDownloadThroughTracker(
      service,
      `udp://127.0.0.1:${service.udpPort}/announce`,
      '127.0.0.1:0',
      4,
    );
  });

  test('UDP tracker, IPv6 (::1): one shared connection id; 18-byte peer entries bring the seeder', async () => {
    await assertDownloadThroughTracker(service, `udp://[::1]:${service.udpPort}/announce`, '[::1]:0', 6);
  });

  test('hybrid v1+v2 torrent: libtorrent announces both info hashes and trakx serves both', async () => {
    const r = await assertDownloadThroughTracker(
      service,
      `http://127.0.0.1:${service.httpPort}/announce`,
      '127.0.0.1:0',
      4,
      true,
    );
    assert.equal(r.tracker_hashes.length, 2);
    // The leecher got the seeder back once per hash.
    assert.ok(r.tracker_replies.filter((x) => x.who === 'leecher' && x.num_peers >= 1).length >= 2);
  });

  test('negative control: with the tracker unreachable the peers never meet', async () => {
    const port = await closedTcpPort('127.0.0.1');
    const announce = `http://127.0.0.1:${port}/announce`;
    const { result, code } = await runSwarm(announce, '127.0.0.1:0', CONTROL_TIMEOUT);
    assert.equal(result.completed, false, 'no download without the tracker');
    assert.equal(code, 3, 'the script reports a timeout');
    assert.deepEqual(result.leecher_peers, [], 'the leecher never had a peer');
    assert.equal(result.peer_connects, 0, 'no peer connection at all');
    assert.deepEqual(result.tracker_replies, []);
    assert.ok(result.tracker_error_count >= 2, 'both sessions tried the tracker and failed');
  });
});
