// A fixed mix of real HTTP (IPv4 and IPv6) and UDP tracker traffic for the metrics
// tests, with the counts it must produce.

import assert from 'node:assert/strict';
import { get, pct } from '../helpers/http-client.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, decodeAnnounceReply, hash20, scrapePacket } from '../udp/packets.ts';
import { RawClient } from '../ws/harness.ts';

export const HASH_HTTP = hash20('metrics-http');
export const HASH_UDP = hash20('metrics-udp');

/** What the mix below leaves in the counters and the store. */
export const EXPECTED = {
  httpAnnounceOk: 5,
  httpAnnounceClientError: 1,
  httpScrapeOk: 2,
  udpConnectOk: 1,
  udpAnnounceOk: 2,
  udpScrapeOk: 1,
  udpErrors: 1,
  wsAnnounceOk: 1,
  wsScrapeOk: 1,
  wsInvalid: 1,
  wsPeers: 1,
  wsConnections: 1,
  started: 5,
  completed: 1,
  none: 1,
  torrents: 2,
  peers4: 6,
  peers6: 1,
  seeders4: 2,
  leechers4: 4,
  leechers6: 1,
  ips4: 1,
  ips6: 1,
};

function peerId(n: number): string {
  return pct(Buffer.from(`-MT0001-${String(n).padStart(12, '0')}`));
}

async function announce(host: string, port: number, q: string): Promise<void> {
  const r = await get(host, port, `/announce?info_hash=${pct(HASH_HTTP)}&${q}`);
  assert.equal(r.status, 200);
  assert.ok(!r.body.includes('failure reason'), r.body.toString('latin1'));
}

/** The WebSocket client of the mix, left open so the connection and its peer stay counted. */
let wsClient: RawClient | undefined;

/** Close the WebSocket client the mix left open. */
export function closeTraffic(): void {
  wsClient?.close();
  wsClient = undefined;
}

/** Drive the mix; `udpPort` 0 skips the UDP part (and its counts are then zero). */
export async function driveTraffic(httpPort: number, udpPort: number): Promise<void> {
  const h = '127.0.0.1';
  // WebSocket (WebTorrent) on the HTTP port: an announce, a scrape and a malformed message.
  closeTraffic();
  const ws = await RawClient.open(`ws://${h}:${httpPort}/announce`);
  wsClient = ws;
  const ih = HASH_HTTP.toString('latin1');
  ws.send({
    action: 'announce',
    info_hash: ih,
    peer_id: 'w'.repeat(20),
    numwant: 5,
    uploaded: 0,
    downloaded: 0,
  });
  assert.equal((await ws.next()).action, 'announce');
  ws.send({ action: 'scrape', info_hash: ih });
  assert.equal((await ws.next()).action, 'scrape');
  ws.send('not json');
  assert.ok((await ws.next())['failure reason'], 'malformed JSON gets a failure reason');
  await announce(h, httpPort, `peer_id=${peerId(1)}&port=7001&left=100&event=started`);
  await announce(h, httpPort, `peer_id=${peerId(2)}&port=7002&left=100&event=started`);
  await announce(h, httpPort, `peer_id=${peerId(3)}&port=7003&left=0&event=completed`);
  await announce(h, httpPort, `peer_id=${peerId(4)}&port=7004&left=0`);
  await announce('::1', httpPort, `peer_id=${peerId(5)}&port=7005&left=5&event=started`);
  const bad = await get(h, httpPort, `/announce?peer_id=${peerId(6)}&port=7006&left=1`);
  assert.ok(bad.body.includes('failure reason'), 'an announce without info_hash fails');
  for (let i = 0; i < 2; i++) {
    const s = await get(h, httpPort, `/scrape?info_hash=${pct(HASH_HTTP)}`);
    assert.ok(s.body.includes('files'));
  }
  if (udpPort === 0) return;

  const udp = await UdpClient.open(h);
  try {
    const connId = await udp.connect(udpPort);
    for (const port of [8001, 8002]) {
      const reply = await udp.request(
        announcePacket({
          connId,
          infoHash: HASH_UDP,
          event: 2,
          port,
          peerId: Buffer.from(`-MT0001-udp${port}00000`),
        }),
        udpPort,
      );
      assert.ok(reply, 'udp announce answered');
      decodeAnnounceReply(reply, 4);
    }
    const scrape = await udp.request(scrapePacket(connId, 7, [HASH_UDP]), udpPort);
    assert.equal(scrape?.readUInt32BE(0), 2, 'udp scrape answered');
    // A connection id the tracker never issued is refused with an error packet.
    const refused = await udp.request(
      announcePacket({ connId: Buffer.alloc(8, 0x5a), infoHash: HASH_UDP, port: 8003 }),
      udpPort,
    );
    assert.equal(refused?.readUInt32BE(0), 3, 'a bad connection id gets an error packet');
  } finally {
    await udp.close();
  }
}
