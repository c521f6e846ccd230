// Two worker threads serve one UDP port (reusePort) over one shared swarm store: a
// connection id issued by one worker is accepted by the other, and a peer announced
// through one worker is in the counts and peer list the other answers with. Which worker
// answered is read from its request slots (trakx_worker_requests_total's source); the
// kernel picks a worker by the client's source port, so new sockets are opened until the
// other worker is hit.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { startTestService } from '../helpers/service.ts';
import { UdpClient } from '../udp/client.ts';
import { announcePacket, decodeAnnounceReply, hash20 } from '../udp/packets.ts';

/** Source sockets tried before giving up on reaching a given worker. */
const MAX_SOCKETS = 200;

/** Index of the one worker whose request count grew since `before`, or -1. */
function answeredBy(svc: Service, before: number[]): number {
  const now = counts(svc);
  const grown = now.map((n, i) => n - before[i]).flatMap((d, i) => (d > 0 ? [i] : []));
  return grown.length === 1 ? grown[0] : -1;
}

function counts(svc: Service): number[] {
  return svc.pool?.slots.map((s) => s.total(-1)) ?? [];
}

/** A client socket whose next request is answered by worker `want` (or by another than `not`). */
async function clientOf(
  svc: Service,
  host: string,
  pick: (worker: number) => boolean,
  send: (c: UdpClient) => Promise<Buffer | null>,
): Promise<{ client: UdpClient; worker: number; reply: Buffer }> {
  for (let i = 0; i < MAX_SOCKETS; i++) {
    const client = await UdpClient.open(host);
    const before = counts(svc);
    const reply = await send(client);
    const worker = answeredBy(svc, before);
    if (reply !== null && worker >= 0 && pick(worker)) return { client, worker, reply };
    await client.close();
  }
  throw new Error(`no source port reached the wanted worker in ${MAX_SOCKETS} tries`);
}

for (const host of ['127.0.0.1', '::1']) {
  describe(`two workers on ${host}`, () => {
    let svc: Service;
    before(async () => {
      svc = await startTestService({ env: { TRAKX_WORKERS: '2' }, host });
      assert.equal(svc.pool?.live, 2);
    });
    after(() => svc.close());

    test('a connect answered by one worker, an announce answered by the other', async (t) => {
      const family = host.includes(':') ? 6 : 4;
      const infoHash = hash20(`cross-${host}`);
      // Worker A issues the connection id and stores the first peer.
      const a = await clientOf(
        svc,
        host,
        () => true,
        async (c) => {
          await c.connect(svc.udpPort);
          return Buffer.alloc(1);
        },
      );
      t.after(() => a.client.close());
      const before = counts(svc);
      const id = await a.client.connect(svc.udpPort);
      assert.equal(answeredBy(svc, before), a.worker, 'a socket stays with its worker');
      const first = await a.client.request(
        announcePacket({ connId: id, infoHash, peerId: Buffer.from('-TS0001-aaaaaaaaaaaa'), port: 7001 }),
        svc.udpPort,
      );
      assert.ok(first, 'worker A answered the announce');
      decodeAnnounceReply(first, family);
      // Another socket, same address: worker B accepts A's id and sees A's peer.
      const b = await clientOf(
        svc,
        host,
        (w) => w !== a.worker,
        (c) =>
          c.request(
            announcePacket({
              connId: id,
              infoHash,
              peerId: Buffer.from('-TS0001-bbbbbbbbbbbb'),
              port: 7002,
              left: 0n,
            }),
            svc.udpPort,
          ),
      );
      t.after(() => b.client.close());
      assert.notEqual(b.worker, a.worker);
      const reply = decodeAnnounceReply(b.reply, family);
      assert.equal(reply.leechers, 1, 'worker B counts the leecher announced through worker A');
      assert.equal(reply.seeders, 1);
      assert.deepEqual(
        reply.peers.map((p) => p.port),
        [7001],
        'worker B hands out the peer worker A stored',
      );
      // The main thread's view of the store has both, once.
      const totals = svc.store.totals();
      assert.equal(family === 4 ? totals.peers4 : totals.peers6, 2);
    });
  });
}
