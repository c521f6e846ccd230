// A flood of 1,000,000 unique info_hashes against a tracker limited to 50,000 torrents:
// most in-process through the real Tracker and store (for speed), parts over real HTTP
// and UDP sockets. The store stays at db.maxTorrents, every refusal is counted, existing
// torrents keep working, and RSS growth stays bounded (a memory check, not a speed one).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { test } from 'node:test';
import { AnnounceRequest, AnnounceResult } from '../../app/bittorrent/announce.ts';
import { NO_PEERS, type PeerSink } from '../../app/bittorrent/peer-sink.ts';
import { bdecode } from '../helpers/bdecode.ts';
import { pct } from '../helpers/http-client.ts';
import { startTestService } from '../helpers/service.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, decodeError } from '../udp/packets.ts';
import { announce, failure, limitHits } from './announce.ts';

const TOTAL = 1_000_000;
const OVER_HTTP = 10_000;
const OVER_UDP = 20_000;
const MAX_TORRENTS = 50_000;
const RSS_BOUND_MB = 150;

function httpAnnounce(
  agent: Agent,
  port: number,
  hash: Buffer,
  id: Buffer,
): Promise<Record<string, unknown>> {
  const path = `/announce?info_hash=${pct(hash)}&peer_id=${pct(id)}&port=6881&uploaded=0&downloaded=0&left=1`;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(bdecode(Buffer.concat(chunks)) as Record<string, unknown>));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

test(`flood: ${TOTAL} unique info_hashes stay within db.maxTorrents with bounded memory`, async () => {
  const svc = await startTestService({
    host: '127.0.0.1',
    env: { TRAKX_DB_MAXTORRENTS: String(MAX_TORRENTS) },
  });
  try {
    const keep = randomBytes(20);
    assert.equal(failure(await announce(svc, { hash: keep, port: 1 })), undefined);
    const rss0 = process.memoryUsage.rss();
    const started = performance.now();

    // In-process: the tracker and store the service runs, fed one reused request.
    const req = new AnnounceRequest();
    const res = new AnnounceResult();
    const sink: PeerSink = NO_PEERS;
    const hash = Buffer.alloc(20);
    const id = randomBytes(20);
    hash.writeUInt32BE(0xf100d000, 16);
    let refused = 0;
    let maxRss = rss0;
    const inProcess = TOTAL - OVER_HTTP - OVER_UDP;
    for (let i = 0; i < inProcess; i++) {
      hash.writeUInt32BE(i, 0);
      hash.writeUInt32BE(Math.imul(i, 0x9e3779b1) >>> 0, 4);
      req.reset();
      req.infoHash = hash;
      req.hashLen = 20;
      req.peerId = id;
      req.idLen = 20;
      req.addr.set([127, 0, 0, 1]);
      req.family = 4;
      req.port = 6881;
      req.left = i & 1;
      if (svc.tracker.announce(req, res, sink) !== null) refused++;
      if ((i & 0xffff) === 0) maxRss = Math.max(maxRss, process.memoryUsage.rss());
    }
    const inProcessMs = performance.now() - started;

    // Over the network: keep-alive connections, a few at a time.
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const netStarted = performance.now();
    let netRefused = 0;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = w; i < OVER_HTTP; i += 8) {
          const h = randomBytes(20);
          const r = await httpAnnounce(agent, svc.httpPort, h, id);
          if (r['failure reason'] !== undefined) {
            assert.match(String(r['failure reason']), /tracker is full/);
            netRefused++;
          }
        }
      }),
    );
    agent.destroy();
    const netMs = performance.now() - netStarted;

    // Over UDP: one client, batches of datagrams, every reply an error packet.
    const udpStarted = performance.now();
    const client = await UdpClient.open('127.0.0.1');
    // Room for a whole batch of replies: this client shares the tracker's event loop, and
    // batch I/O answers up to 512 datagrams before the loop lets this socket read.
    client.socket.setRecvBufferSize(1 << 20);
    let udpRefused = 0;
    try {
      const connId = await client.connect(svc.udpPort);
      for (let start = 0; start < OVER_UDP; start += 500) {
        for (let i = start; i < start + 500; i++) {
          client.send(
            announcePacket({ connId, infoHash: randomBytes(20), txid: i, port: 6881 }),
            svc.udpPort,
          );
        }
        for (let got = 0; got < 500; got++) {
          const reply = await client.next(2000);
          assert.ok(reply, 'every UDP announce is answered');
          assert.match(decodeError(reply).message, /tracker is full/);
          udpRefused++;
        }
      }
    } finally {
      await client.close();
    }
    const udpMs = performance.now() - udpStarted;
    const rss1 = process.memoryUsage.rss();
    maxRss = Math.max(maxRss, rss1);

    assert.equal(svc.store.totals().torrents, MAX_TORRENTS, 'exactly db.maxTorrents torrents are kept');
    assert.equal(
      refused + netRefused + udpRefused + MAX_TORRENTS - 1,
      TOTAL,
      'everything beyond was refused',
    );
    assert.equal(netRefused, OVER_HTTP, 'the network parts came after the table was full');
    assert.equal((await limitHits(svc)).torrents, TOTAL - (MAX_TORRENTS - 1), 'every refusal counted');
    // Existing torrents still take new peers.
    assert.equal(failure(await announce(svc, { hash: keep, port: 2 })), undefined);
    const growthMb = (maxRss - rss0) / 2 ** 20;
    console.log(
      `# flood: ${TOTAL} unique info_hashes (${inProcess} in-process in ${Math.round(inProcessMs)} ms, ` +
        `${OVER_HTTP} over HTTP in ${Math.round(netMs)} ms, ${OVER_UDP} over UDP in ${Math.round(udpMs)} ms); torrents ${MAX_TORRENTS}; ` +
        `RSS ${Math.round(rss0 / 2 ** 20)} → ${Math.round(rss1 / 2 ** 20)} MB (peak growth ${growthMb.toFixed(1)} MB)`,
    );
    assert.ok(growthMb < RSS_BOUND_MB, `RSS grew ${growthMb.toFixed(1)} MB`);
  } finally {
    await svc.close();
  }
});
