// The saver: concurrent saves run one after the other (never two writers on one file),
// a save requested during another one sees everything put before the request, churn in
// the store between chunks never breaks the file, a failed save leaves the previous
// snapshot alone, and a process killed mid-save never leaves a broken snapshot.

import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep, setImmediate as yieldNow } from 'node:timers/promises';
import { tempPathFor } from '../../app/persist/files.ts';
import { applySnapshot, verifySnapshot } from '../../app/persist/reader.ts';
import { SnapshotSaver } from '../../app/persist/saver.ts';
import { infoHash } from '../helpers/ids.ts';
import { start, waitFor } from '../helpers/process.ts';
import { dumpStore } from '../helpers/store-dump.ts';
import { remove } from '../helpers/store-ops.ts';
import { newStore, putPeer, tempDir } from './util.ts';

const NOW = Math.floor(Date.now() / 1000);

function fill(torrents: number, perTorrent: number) {
  const store = newStore();
  for (let t = 0; t < torrents; t++)
    for (let p = 0; p < perTorrent; p++)
      putPeer(store, {
        torrent: t,
        family: p % 2 === 0 ? 4 : 6,
        addr:
          p % 2 === 0
            ? [10, t >>> 8, t & 255, p]
            : [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, t >>> 8, t & 255, 0, p],
        port: 2000 + p,
        id: t * 100 + p,
        seeder: p === 0,
        seen: NOW,
      });
  return store;
}

function restoreFile(path: string) {
  const buf = readFileSync(path);
  verifySnapshot(buf);
  const store = newStore();
  applySnapshot(buf, store, { cutoff: 0, now: NOW + 10 });
  return store;
}

test('concurrent saves run one after the other and the last sees everything put before it', async () => {
  const dir = tempDir();
  const path = join(dir, 'trakx.db');
  const store = fill(2000, 4);
  // Tiny chunks: each save yields to the event loop hundreds of times.
  const saver = new SnapshotSaver(store, { path, chunkBytes: 2048 });
  const first = saver.save();
  putPeer(store, { torrent: 99999, family: 4, addr: [1, 2, 3, 4], port: 5, id: 5, seeder: false, seen: NOW });
  const second = saver.save();
  const third = saver.save();
  assert.equal(second, third, 'requests made during a save share the next one');
  const [a, b] = await Promise.all([first, second]);
  assert.ok(a.chunks > 50 && b.chunks > 50, 'both saves yielded many times');
  assert.ok(
    b.created >= a.finished,
    `second save started (${b.created}) after the first ended (${a.finished})`,
  );
  assert.deepEqual(dumpStore(restoreFile(path)), dumpStore(store));
  assert.deepEqual(readdirSync(dir), ['trakx.db']);
  // Once idle, a new request starts a new save at once.
  const c = await saver.save();
  assert.ok(c.created >= b.finished);
});

test('peers added and removed between chunks never break the snapshot', async () => {
  const path = join(tempDir(), 'trakx.db');
  const store = fill(3000, 3);
  const inRange = (lines: string[]) =>
    lines.filter((l) => {
      const t = Number.parseInt(l.slice(0, 8), 16);
      return t >= 100 && t < 3000;
    });
  const expected = inRange(dumpStore(store).lines);
  // While the save runs: new torrents come and go, torrents 0..99 lose a peer each.
  // Torrents 100..2999 are left alone.
  let churning = true;
  let rounds = 0;
  const churn = (async () => {
    while (churning) {
      const t = 100000 + (rounds % 300);
      if (rounds >= 300) remove(store, infoHash(t), 4, Uint8Array.from([9, 9, 9, 9]), 1);
      else
        putPeer(store, {
          torrent: t,
          family: 4,
          addr: [9, 9, 9, 9],
          port: 1,
          id: rounds,
          seeder: false,
          seen: NOW,
        });
      const victim = rounds % 100;
      remove(store, infoHash(victim), 4, Uint8Array.from([10, victim >>> 8, victim & 255, 2]), 2002);
      rounds++;
      await yieldNow();
    }
  })();
  const saver = new SnapshotSaver(store, { path, chunkBytes: 1024 });
  const result = await saver.save();
  churning = false;
  await churn;
  assert.ok(rounds > 10, `the store changed ${rounds} times during the save`);
  const buf = readFileSync(path);
  const h = verifySnapshot(buf);
  assert.deepEqual([h.torrents, h.peers4, h.peers6], [result.torrents, result.peers4, result.peers6]);
  const restored = newStore();
  applySnapshot(buf, restored, { cutoff: 0, now: NOW + 10 });
  assert.deepEqual(
    inRange(dumpStore(restored).lines),
    expected,
    'every peer of the untouched torrents is in it',
  );
});

test('a failed save leaves the previous snapshot in place and no temp file behind', async () => {
  const dir = tempDir();
  const path = join(dir, 'trakx.db');
  const store = fill(10, 2);
  const saver = new SnapshotSaver(store, { path });
  await saver.save();
  const good = readFileSync(path);
  putPeer(store, { torrent: 500, family: 4, addr: [1, 1, 1, 1], port: 1, id: 1, seeder: false, seen: NOW });
  // The temp file cannot be created: the save fails before touching the snapshot.
  mkdirSync(tempPathFor(path));
  await assert.rejects(saver.save(), /EISDIR|directory/);
  assert.deepEqual(readFileSync(path), good);
  rmdirSync(tempPathFor(path));
  // The saver is not wedged by the failure.
  await saver.save();
  assert.deepEqual(dumpStore(restoreFile(path)), dumpStore(store));
  assert.deepEqual(readdirSync(dir), ['trakx.db']);
});

test('a process killed with SIGKILL in the middle of saves leaves a complete snapshot', async () => {
  const path = join(tempDir(), 'trakx.db');
  const child = start(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'save-loop.ts')], {
    env: { ...process.env, SNAPSHOT: path, PEERS: '100000' },
  });
  try {
    await waitFor('two saves by the child', 20000, async () => child.stdout().split('saved').length > 2, 20);
  } catch (err) {
    child.kill();
    throw new Error(`${(err as Error).message}\n${child.stderr()}`);
  }
  // Saves run back to back, so this lands in the middle of one (or between two).
  await sleep(17 + Math.floor(Math.random() * 40));
  child.kill();
  await child.exited;
  const h = verifySnapshot(readFileSync(path));
  assert.equal(h.peers4 + h.peers6, 100000);
});
