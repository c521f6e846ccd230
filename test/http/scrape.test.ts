// Scrape over real HTTP (BEP 48) on 127.0.0.1 and ::1: several hashes in sorted order
// with exact counts, duplicates collapsed, unknown hashes as zeros, the hash cap.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../app/service.ts';
import type { BValue } from '../helpers/bdecode.ts';
import { get } from '../helpers/http-client.ts';
import { peerId } from '../helpers/ids.ts';
import { startTestService } from '../helpers/service.ts';
import { announce, freshHash, HOSTS, scrapePath, trackerReply } from './util.ts';

let svc: Service;
before(async () => {
  svc = await startTestService();
});
after(async () => {
  await svc?.close();
});

type Files = { [hash: string]: { [k: string]: BValue } };

async function scrape(host: string, path: string): Promise<Files> {
  const d = trackerReply(await get(host, svc.httpPort, path));
  assert.equal(d['failure reason'], undefined, String(d['failure reason']));
  assert.deepEqual(Object.keys(d), ['files']);
  return d.files as Files;
}

const key = (h: Buffer) => h.toString('latin1');

for (const host of HOSTS) {
  describe(`scrape from ${host}`, () => {
    test('several hashes: each with complete, downloaded, incomplete; keys sorted', async () => {
      const a = freshHash();
      const b = freshHash();
      const c = freshHash();
      // a: 1 seeder (completed) + 2 leechers; b: 2 seeders that arrived seeding; c: 1 leecher on v6.
      await announce(svc, '127.0.0.1', { hash: a, id: peerId(1), port: 1001 });
      await announce(svc, '127.0.0.1', { hash: a, id: peerId(1), port: 1001, left: 0, event: 'completed' });
      await announce(svc, '127.0.0.1', { hash: a, id: peerId(2), port: 1002 });
      await announce(svc, '::1', { hash: a, id: peerId(3), port: 1003 });
      await announce(svc, '127.0.0.1', { hash: b, id: peerId(4), port: 1004, left: 0 });
      await announce(svc, '::1', { hash: b, id: peerId(5), port: 1005, left: 0 });
      await announce(svc, '::1', { hash: c, id: peerId(6), port: 1006 });
      const files = await scrape(host, scrapePath([c, a, b]));
      // The strict decoder already refused unsorted keys; check the order is byte order.
      assert.deepEqual(Object.keys(files), [a, b, c].sort(Buffer.compare).map(key));
      assert.deepEqual(files[key(a)], { complete: 1, downloaded: 1, incomplete: 2 });
      assert.deepEqual(files[key(b)], { complete: 2, downloaded: 0, incomplete: 0 });
      assert.deepEqual(files[key(c)], { complete: 0, downloaded: 0, incomplete: 1 });
      for (const f of Object.values(files))
        assert.deepEqual(Object.keys(f), ['complete', 'downloaded', 'incomplete']);
    });

    test('every byte value comes back unchanged, and the body is Content-Length bytes', async () => {
      // Replies are handed to Node as latin1 text (routes.ts): any other encoding
      // would change the bytes from 0x80 up, and with them the keys and the length.
      const hashes: Buffer[] = [];
      for (let h = 0; h < 13; h++)
        hashes.push(Buffer.from(Array.from({ length: 20 }, (_, i) => (h * 20 + i) & 0xff)));
      const res = await get(host, svc.httpPort, scrapePath(hashes));
      assert.equal(Number(res.headers['content-length']), res.body.length);
      const files = trackerReply(res).files as Files;
      assert.deepEqual(Object.keys(files), hashes.sort(Buffer.compare).map(key));
      const all = new Set(Buffer.concat(Object.keys(files).map((k) => Buffer.from(k, 'latin1'))));
      assert.equal(all.size, 256);
    });

    test('a hash asked for twice is answered once', async () => {
      const a = freshHash();
      const b = freshHash();
      await announce(svc, host, { hash: a, id: peerId(1), port: 2001 });
      const files = await scrape(host, scrapePath([a, b, a, a]));
      assert.deepEqual(Object.keys(files).sort(), [key(a), key(b)].sort());
      assert.deepEqual(files[key(a)], { complete: 0, downloaded: 0, incomplete: 1 });
    });

    test('an unknown hash reports zeros', async () => {
      const u = freshHash();
      const files = await scrape(host, scrapePath([u]));
      assert.deepEqual(files, { [key(u)]: { complete: 0, downloaded: 0, incomplete: 0 } });
    });

    test('other parameters are ignored', async () => {
      const u = freshHash();
      const files = await scrape(host, `${scrapePath([u])}&peer_id=x&compact&key=1`);
      assert.deepEqual(Object.keys(files), [key(u)]);
    });

    test('up to scrape.maxHashes (100) hashes in one scrape', async () => {
      const hashes = Array.from({ length: 100 }, () => freshHash());
      await announce(svc, host, { hash: hashes[57], id: peerId(1), port: 3001, left: 0 });
      const files = await scrape(host, scrapePath(hashes));
      assert.equal(Object.keys(files).length, 100);
      assert.deepEqual(files[key(hashes[57])], { complete: 1, downloaded: 0, incomplete: 0 });
    });
  });
}

describe('a larger scrape.maxHashes', () => {
  test('200 hashes in one scrape work when scrape.maxHashes is 200 (the query is 14 KB)', async () => {
    const big = await startTestService({ env: { TRAKX_SCRAPE_MAXHASHES: '200' } });
    try {
      const hashes = Array.from({ length: 201 }, () => freshHash());
      for (const host of HOSTS) {
        const d = trackerReply(await get(host, big.httpPort, scrapePath(hashes.slice(0, 200))));
        assert.equal(d['failure reason'], undefined, String(d['failure reason']));
        assert.equal(Object.keys(d.files as Files).length, 200);
        const over = trackerReply(await get(host, big.httpPort, scrapePath(hashes)));
        assert.equal(String(over['failure reason']), 'too many info_hashes: at most 200 per scrape');
      }
    } finally {
      await big.close();
    }
  });
});
