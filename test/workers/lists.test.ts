// A list reload reaches every worker thread, then the store is purged: after a hash is
// added to the deny list and reloadLists() (SIGHUP) runs, announces for it are refused
// by both workers (each has its own copy of the list) and its swarm is gone from the
// shared store.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempHome, waitFor } from '../helpers/process.ts';
import { startTestService } from '../helpers/service.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, decodeAnnounceReply, decodeError, hash20 } from '../udp/packets.ts';

/** Source sockets used after the reload: enough that both workers answer some. */
const SOCKETS = 24;

test('a deny-list reload reaches both workers and purges the shared store', async () => {
  const dir = tempHome();
  const path = join(dir, 'deny.txt');
  writeFileSync(path, '# empty\n');
  const hash = hash20('soon-denied');
  const svc = await startTestService({
    env: { TRAKX_WORKERS: '2', TRAKX_LIMITS_DENYLIST: path, TRAKX_LIMITS_LISTPOLL: '0' },
    host: '127.0.0.1',
  });
  const clients: UdpClient[] = [];
  try {
    const first = await UdpClient.open('127.0.0.1');
    clients.push(first);
    const id = await first.connect(svc.udpPort);
    const ok = await first.request(announcePacket({ connId: id, infoHash: hash }), svc.udpPort);
    assert.ok(ok);
    assert.equal(decodeAnnounceReply(ok, 4).leechers, 1);
    assert.equal(svc.store.totals().torrents, 1);

    writeFileSync(path, `${hash.toString('hex')}\n`);
    assert.equal(svc.reloadLists(), true);
    await waitFor('the purge', 5000, async () => svc.store.totals().torrents === 0);

    const pool = svc.pool;
    assert.ok(pool);
    const before = pool.slots.map((s) => s.total(-1));
    for (let i = 0; i < SOCKETS; i++) {
      const c = await UdpClient.open('127.0.0.1');
      clients.push(c);
      const reply = await c.request(
        announcePacket({ connId: id, infoHash: hash, port: 7000 + i }),
        svc.udpPort,
      );
      assert.ok(reply, `socket ${i} got an answer`);
      assert.equal(decodeError(reply).message, 'this torrent is blocked on this tracker');
    }
    const grew = pool.slots.map((s, i) => s.total(-1) - before[i]);
    assert.ok(
      grew.every((n) => n > 0),
      `both workers refused some (${grew.join(', ')})`,
    );
    assert.equal(svc.store.totals().torrents, 0, 'nothing stored again');
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await svc.close();
  }
});
