// Scrape's `completed` over real UDP sockets never goes back (BEP 48: the completions
// the tracker ever registered): not when the completed peer stops (event 3), not when it
// expires, and the swarm that comes back later counts on from it.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import { waitFor } from '../helpers/process.ts';
import { shortExpiry, startTestService } from '../helpers/service.ts';
import { UdpClient } from './client.ts';
import {
  announcePacket,
  decodeAnnounceReply,
  decodeScrapeReply,
  hash20,
  type ScrapeEntry,
  scrapePacket,
} from './packets.ts';

const HOSTS = [
  { host: '127.0.0.1', family: 4 as const },
  { host: '::1', family: 6 as const },
];
const COMPLETED = 1;
const STOPPED = 3;

let svc: Service;
before(async () => {
  svc = await startTestService({ tweak: shortExpiry });
});
after(() => svc?.close());

for (const { host, family } of HOSTS) {
  describe(`completed from ${host}`, () => {
    let c: UdpClient;
    before(async () => {
      c = await UdpClient.open(host);
    });
    after(() => c.close());

    async function scrape(hash: Buffer): Promise<ScrapeEntry> {
      const id = await c.connect(svc.udpPort);
      return decodeScrapeReply((await c.request(scrapePacket(id, 9, [hash]), svc.udpPort))!).entries[0];
    }

    async function announce(hash: Buffer, port: number, event: number, left: bigint) {
      const id = await c.connect(svc.udpPort);
      const reply = await c.request(
        announcePacket({ connId: id, infoHash: hash, port, event, left }),
        svc.udpPort,
      );
      return decodeAnnounceReply(reply!, family);
    }

    test('a completed peer that stops leaves completed at 1; a new swarm counts on from it', async () => {
      const h = hash20(`stop-${family}`);
      assert.equal((await announce(h, 5001, COMPLETED, 0n)).seeders, 1);
      assert.deepEqual(await scrape(h), { seeders: 1, completed: 1, leechers: 0 });
      assert.equal((await announce(h, 5001, STOPPED, 0n)).seeders, 0);
      assert.deepEqual(await scrape(h), { seeders: 0, completed: 1, leechers: 0 });

      const back = await announce(h, 5002, 0, 100n);
      assert.deepEqual([back.seeders, back.leechers, back.peers.length], [0, 1, 0]);
      await announce(h, 5002, COMPLETED, 0n);
      assert.deepEqual(await scrape(h), { seeders: 1, completed: 2, leechers: 0 });
    });

    test('a completed peer that expires leaves completed at 1', async () => {
      const h = hash20(`expire-${family}`);
      assert.equal((await announce(h, 5003, COMPLETED, 0n)).seeders, 1);
      const gone = await waitFor(
        'the peer to expire',
        20_000,
        async () => {
          const e = await scrape(h);
          return e.seeders === 0 ? e : undefined;
        },
        200,
      );
      assert.deepEqual(gone, { seeders: 0, completed: 1, leechers: 0 });
    });
  });
}
