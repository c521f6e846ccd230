// The announce rate limit holds for the tracker as a whole: both workers take tokens from
// one shared table, so an address gets its burst once, not once per worker. Announces
// go out one at a time from many source ports until both workers have answered.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestService } from '../helpers/service.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, hash20 } from '../udp/packets.ts';

const BURST = 2;
const SOCKETS = 24;

test('one address gets its burst once across both workers', async () => {
  const svc = await startTestService({
    // One token per 100 s: nothing refills while the test runs.
    env: { TRAKX_WORKERS: '2', TRAKX_LIMITS_ANNOUNCERATE: '0.01', TRAKX_LIMITS_ANNOUNCEBURST: String(BURST) },
    host: '127.0.0.1',
  });
  const clients: UdpClient[] = [];
  try {
    const pool = svc.pool;
    assert.ok(pool);
    const first = await UdpClient.open('127.0.0.1');
    clients.push(first);
    const id = await first.connect(svc.udpPort);
    const before = pool.slots.map((s) => s.total(-1));
    let accepted = 0;
    for (let i = 0; i < SOCKETS; i++) {
      const c = await UdpClient.open('127.0.0.1');
      clients.push(c);
      const reply = await c.request(
        announcePacket({ connId: id, infoHash: hash20(`rate-${i}`), port: 7000 + i }),
        svc.udpPort,
      );
      assert.ok(reply, `socket ${i} got an answer`);
      if (reply.readUInt32BE(0) === 1) accepted++;
    }
    const grew = pool.slots.map((s, i) => s.total(-1) - before[i]);
    assert.ok(
      grew.every((n) => n >= BURST),
      `each worker answered enough to spend a burst of its own (${grew.join(', ')})`,
    );
    assert.equal(accepted, BURST, 'the burst is the tracker’s, not each worker’s');
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await svc.close();
  }
});
