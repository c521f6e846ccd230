// A worker killed mid-load (worker.terminate(), as a crash would end it) is replaced
// under a new store owner id while the other keeps serving: every request of a bounded
// UDP load is answered (a datagram that was in the dead worker's socket is lost, as on
// any network, and the client retries as BEP 15 says), HTTP keeps answering, and the
// swarm holds every peer announced.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { get } from '../helpers/http-client.ts';
import { startTestService } from '../helpers/service.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, decodeAnnounceReply, hash20 } from '../udp/packets.ts';

const CLIENTS = 40;
const ROUNDS = 10;
/** Tries per request: the first may be lost with the dead worker's socket. */
const TRIES = 4;
const KILL_AT_ROUND = 3;

let svc: Service;
before(async () => {
  svc = await startTestService({ env: { TRAKX_WORKERS: '2' }, host: '127.0.0.1' });
});
after(() => svc.close());

async function announce(c: UdpClient, id: Buffer, hash: Buffer, peer: number): Promise<boolean> {
  const peerId = Buffer.from(`-TS0001-${String(peer).padStart(12, '0')}`);
  const packet = announcePacket({ connId: id, infoHash: hash, peerId, port: 10000 + peer });
  for (let t = 0; t < TRIES; t++) {
    const reply = await c.request(packet, svc.udpPort, 500);
    if (reply !== null && reply.readUInt32BE(0) === 1) {
      decodeAnnounceReply(reply, 4);
      return true;
    }
  }
  return false;
}

async function connect(c: UdpClient): Promise<Buffer> {
  for (let t = 0; ; t++) {
    try {
      return await c.connect(svc.udpPort);
    } catch (err) {
      if (t + 1 >= TRIES) throw err;
    }
  }
}

test('a worker killed mid-load is replaced and nothing else stops', async () => {
  const pool = svc.pool;
  assert.ok(pool, 'two workers run');
  const hash = hash20('dead-worker');
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => UdpClient.open('127.0.0.1')));
  try {
    const ids = await Promise.all(clients.map(connect));
    let answered = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round === KILL_AT_ROUND) void pool.worker(1)?.terminate();
      const ok = await Promise.all(clients.map((c, i) => announce(c, ids[i], hash, i)));
      answered += ok.filter(Boolean).length;
    }
    assert.equal(answered, CLIENTS * ROUNDS, 'every announce of the load was answered');
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  assert.equal(pool.replaced, 1, 'the dead worker was replaced once');
  for (let i = 0; i < 100 && pool.live < 2; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(pool.live, 2, 'two workers serve again');
  assert.equal(svc.store.totals().peers4, CLIENTS, 'every peer is in the shared store');
  const heartbeat = await get('127.0.0.1', svc.httpPort, '/heartbeat');
  assert.equal(heartbeat.status, 200, 'HTTP answers');
  const metrics = await get('127.0.0.1', svc.metricsPort, '/metrics');
  assert.match(metrics.body.toString(), /^trakx_workers 2$/m);
});
