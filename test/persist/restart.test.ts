// The real tracker process keeps its swarms across restarts: SIGTERM saves after the
// listeners stop (every peer announced before is back), and after SIGKILL everything
// announced before the last periodic save is back; a torrent kept only for its downloaded
// count comes back with it. Needs `npm run build` first.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeHeader } from '../../app/persist/format.ts';
import { verifySnapshot } from '../../app/persist/reader.ts';
import type { BValue } from '../helpers/bdecode.ts';
import { infoHash, peerId } from '../helpers/ids.ts';
import { freePort, tempHome, waitFor } from '../helpers/process.ts';
import { announce, runTracker, scrape } from '../helpers/tracker-process.ts';

/** Announce a known set of peers on `torrents` torrents; returns their hashes. */
async function populate(port: number, torrents: number, salt: number): Promise<Buffer[]> {
  const hashes: Buffer[] = [];
  for (let t = 0; t < torrents; t++) {
    const hash = infoHash(t, salt);
    hashes.push(hash);
    for (let j = 0; j < 3; j++)
      await announce(port, {
        hash,
        id: peerId(t * 10 + j),
        port: 6000 + j,
        from: `127.0.0.${2 + j}`,
        event: 'started',
      });
    // A seeder that completed: counts in `downloaded`.
    await announce(port, {
      hash,
      id: peerId(t * 10 + 5),
      port: 6100,
      from: '127.0.1.1',
      left: 0,
      event: 'completed',
    });
    if (t % 2 === 0) await announce(port, { hash, id: peerId(t * 10 + 6), port: 7000, from: '::1' });
  }
  return hashes;
}

function compactPeers(reply: Record<string, BValue>, key: 'peers' | 'peers6'): string[] {
  const bytes = reply[key] as Buffer;
  const size = key === 'peers' ? 6 : 18;
  const out: string[] = [];
  for (let o = 0; o + size <= bytes.length; o += size) out.push(bytes.subarray(o, o + size).toString('hex'));
  return out.sort();
}

test('a tracker sent SIGTERM keeps every peer announced before it across the restart', async () => {
  const home = tempHome();
  const port = await freePort();
  const env = { TRAKX_DB_BACKUP_INTERVAL: '0' };
  const first = await runTracker(home, port, env);
  let hashes: Buffer[];
  let before: Awaited<ReturnType<typeof scrape>>;
  try {
    hashes = await populate(port, 10, 1);
    before = await scrape(port, hashes);
    assert.deepEqual(before[0], { complete: 1, downloaded: 1, incomplete: 4 });
    assert.deepEqual(before[1], { complete: 1, downloaded: 1, incomplete: 3 });
  } finally {
    void first.stop();
  }
  assert.deepEqual(await first.exited, { code: 0, signal: null });
  const path = join(home, '.cache', 'trakx', 'trakx.db');
  const h = verifySnapshot(readFileSync(path));
  assert.deepEqual([h.torrents, h.peers4, h.peers6], [10, 40, 5]);

  const second = await runTracker(home, port, env);
  try {
    assert.match(second.output(), /snapshot restored/);
    assert.deepEqual(await scrape(port, hashes), before);
    // A new peer gets the restored ones, both families, addresses and ports intact.
    const reply = await announce(port, { hash: hashes[0], id: peerId(999), port: 6999, from: '127.0.0.9' });
    assert.deepEqual(compactPeers(reply, 'peers'), [
      '7f0000021770', // 127.0.0.2:6000
      '7f0000031771', // 127.0.0.3:6001
      '7f0000041772', // 127.0.0.4:6002
      '7f00010117d4', // 127.0.1.1:6100
    ]);
    assert.deepEqual(compactPeers(reply, 'peers6'), [`${'00'.repeat(15)}011b58`]); // [::1]:7000
  } finally {
    await second.stop();
  }
});

test('after SIGKILL, everything announced before the last periodic save is back', async () => {
  const home = tempHome();
  const port = await freePort();
  const env = { TRAKX_DB_BACKUP_INTERVAL: '1s' };
  const path = join(home, '.cache', 'trakx', 'trakx.db');
  const first = await runTracker(home, port, env);
  let hashes: Buffer[];
  let before: Awaited<ReturnType<typeof scrape>>;
  try {
    hashes = await populate(port, 6, 2);
    before = await scrape(port, hashes);
    const announced = Date.now();
    // A periodic save that started after the last announce (a missing or half-written
    // file throws and is polled again).
    await waitFor(
      'a periodic save',
      10000,
      async () => decodeHeader(readFileSync(path)).created >= announced,
      50,
    );
  } finally {
    first.kill();
  }
  assert.equal((await first.exited).signal, 'SIGKILL');
  assert.ok(existsSync(path));

  const second = await runTracker(home, port, env);
  try {
    assert.deepEqual(await scrape(port, hashes), before);
  } finally {
    await second.stop();
  }
});

test('a torrent whose completed peer left keeps its downloaded count across a restart', async () => {
  const home = tempHome();
  const port = await freePort();
  const env = { TRAKX_DB_BACKUP_INTERVAL: '0' };
  const hash = infoHash(1, 3);
  const first = await runTracker(home, port, env);
  try {
    const seeder = { hash, id: peerId(1), port: 6100, from: '127.0.1.1', left: 0 };
    await announce(port, { ...seeder, event: 'completed' });
    await announce(port, { ...seeder, event: 'stopped' });
    assert.deepEqual(await scrape(port, [hash]), [{ complete: 0, downloaded: 1, incomplete: 0 }]);
  } finally {
    void first.stop();
  }
  assert.deepEqual(await first.exited, { code: 0, signal: null });
  const h = verifySnapshot(readFileSync(join(home, '.cache', 'trakx', 'trakx.db')));
  assert.deepEqual([h.torrents, h.peers4, h.peers6], [1, 0, 0], 'saved as a torrent without peers');

  const second = await runTracker(home, port, env);
  try {
    assert.deepEqual(await scrape(port, [hash]), [{ complete: 0, downloaded: 1, incomplete: 0 }]);
    // A new swarm of that torrent counts on from it.
    await announce(port, { hash, id: peerId(2), port: 6101, left: 0, event: 'completed' });
    assert.deepEqual(await scrape(port, [hash]), [{ complete: 1, downloaded: 2, incomplete: 0 }]);
  } finally {
    await second.stop();
  }
});
