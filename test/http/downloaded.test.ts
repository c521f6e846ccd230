// Scrape's `downloaded` over real HTTP never goes back (BEP 48: the completions the
// tracker ever registered): not when the completed peer stops, not when it expires, and
// the swarm that comes back later counts on from it.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import type { BValue } from '../helpers/bdecode.ts';
import { get } from '../helpers/http-client.ts';
import { peerId } from '../helpers/ids.ts';
import { waitFor } from '../helpers/process.ts';
import { shortExpiry, startTestService } from '../helpers/service.ts';
import { announce, freshHash, HOSTS, scrapePath, trackerReply } from './util.ts';

let svc: Service;
before(async () => {
  svc = await startTestService({ tweak: shortExpiry });
});
after(() => svc?.close());

async function scrape(host: string, hash: Buffer): Promise<{ [k: string]: BValue }> {
  const d = trackerReply(await get(host, svc.httpPort, scrapePath([hash])));
  return (d.files as { [h: string]: { [k: string]: BValue } })[hash.toString('latin1')];
}

for (const host of HOSTS) {
  describe(`downloaded from ${host}`, () => {
    test('a completed peer that stops leaves downloaded at 1; a new swarm counts on from it', async () => {
      const h = freshHash();
      await announce(svc, host, { hash: h, id: peerId(1), port: 4001 });
      const done = await announce(svc, host, {
        hash: h,
        id: peerId(1),
        port: 4001,
        left: 0,
        event: 'completed',
      });
      assert.deepEqual([done.complete, done.downloaded, done.incomplete], [1, 1, 0]);
      const stopped = await announce(svc, host, {
        hash: h,
        id: peerId(1),
        port: 4001,
        left: 0,
        event: 'stopped',
      });
      assert.deepEqual([stopped.complete, stopped.downloaded, stopped.incomplete], [0, 1, 0]);
      assert.deepEqual(await scrape(host, h), { complete: 0, downloaded: 1, incomplete: 0 });

      // A peer coming back finds the count, gets no peers, and its completion adds to it.
      const back = await announce(svc, host, { hash: h, id: peerId(2), port: 4002 });
      assert.deepEqual([back.complete, back.downloaded, back.incomplete], [0, 1, 1]);
      assert.equal((back.peers as Buffer).length + ((back.peers6 as Buffer | undefined)?.length ?? 0), 0);
      await announce(svc, host, { hash: h, id: peerId(2), port: 4002, left: 0, event: 'completed' });
      assert.deepEqual(await scrape(host, h), { complete: 1, downloaded: 2, incomplete: 0 });
    });

    test('a completed peer that expires leaves downloaded at 1', async () => {
      const h = freshHash();
      const done = await announce(svc, host, {
        hash: h,
        id: peerId(3),
        port: 4003,
        left: 0,
        event: 'completed',
      });
      assert.deepEqual([done.complete, done.downloaded], [1, 1]);
      const gone = await waitFor(
        'the peer to expire',
        20_000,
        async () => {
          const f = await scrape(host, h);
          return f.complete === 0 ? f : undefined;
        },
        200,
      );
      assert.deepEqual(gone, { complete: 0, downloaded: 1, incomplete: 0 });
    });
  });
}
