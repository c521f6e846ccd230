// The shared store across real worker threads (shared-worker.ts): several threads
// hammering the same torrents end exactly where one thread replaying their operations
// in lock order ends; a thread that dies holding the lock is recovered and the others
// go on; growth made by one thread is read correctly by another; a snapshot of a store
// the workers filled restores whole.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { Family } from '../../app/bittorrent/family.ts';
import { restoreSnapshot } from '../../app/persist/restore.ts';
import { SnapshotSaver } from '../../app/persist/saver.ts';
import { MemoryStore } from '../../app/swarm/memory-store.ts';
import { createSharedStore, type SharedStore } from '../../app/swarm/shared/shared-store.ts';
import type { LocalStore, SnapshotVisitor } from '../../app/swarm/store.ts';
import { dumpStore } from '../helpers/store-dump.ts';
import { peerAnnounce } from '../helpers/store-ops.ts';
import { captureLogger, tempDir } from '../persist/util.ts';
import { addrOf, hashOf, idOf } from './conformance.ts';
import type { Job, LoggedOp, WorkerInput } from './shared-worker.ts';

const WORKER = new URL('./shared-worker.ts', import.meta.url);
/** No test here may take longer: a thread stuck on the lock fails it instead of hanging. */
const BOUND_MS = 60_000;

/** Workers of the running test: ended after it, so a stuck one cannot outlive a failure. */
const live: Worker[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((w) => w.terminate()));
});

interface Started {
  worker: Worker;
  /** Messages after the ready one, in order. */
  messages: unknown[];
  exited: Promise<number>;
  next(): Promise<unknown>;
}

/** Start a worker on `job` and wait until it has attached. */
async function start(store: SharedStore, owner: number, go: SharedArrayBuffer, job: Job): Promise<Started> {
  const input: WorkerInput = { handle: store.handle, owner, go, job };
  const worker = new Worker(WORKER, { workerData: input });
  live.push(worker);
  worker.unref();
  const messages: unknown[] = [];
  let waiting: ((m: unknown) => void) | null = null;
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  worker.on('message', (m: { ready?: boolean }) => {
    if (m.ready) return ready();
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(m);
    } else messages.push(m);
  });
  const exited = new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
  await Promise.race([isReady, exited.then((code) => Promise.reject(new Error(`worker exited ${code}`)))]);
  return {
    worker,
    messages,
    exited,
    next: () =>
      messages.length > 0
        ? Promise.resolve(messages.shift())
        : new Promise((resolve) => {
            waiting = resolve;
          }),
  };
}

function release(go: SharedArrayBuffer): void {
  const word = new Int32Array(go);
  Atomics.store(word, 0, 1);
  Atomics.notify(word, 0);
}

/** Every torrent's downloaded count and sorted peers (with seeder flags), as lines. */
function contents(store: LocalStore): string[] {
  const lines: string[] = [];
  let torrent = '';
  const visitor: SnapshotVisitor = {
    torrent(h, off, downloaded) {
      torrent = Buffer.from(h.subarray(off, off + 20)).toString('hex');
      lines.push(`${torrent} downloaded=${downloaded}`);
    },
    peer(family, a, off, _id, _idOff, seeder) {
      const ilen = family === 4 ? 4 : 16;
      const port = (a[off + ilen] << 8) | a[off + ilen + 1];
      lines.push(
        `${torrent} ${family}/${Buffer.from(a.subarray(off, off + ilen)).toString('hex')}/${port} ${seeder}`,
      );
    },
  };
  for (let from = 0; from >= 0; ) from = store.visit(from, 1000, visitor);
  return lines.sort();
}

function peerKeys(store: LocalStore, torrent: number): Set<string> {
  const prefix = `${hashOf(torrent).toString('hex')} `;
  const keys = new Set<string>();
  for (const line of contents(store))
    if (line.startsWith(prefix) && !line.includes('downloaded=')) keys.add(line.split(' ')[1]);
  return keys;
}

function key(family: Family, addr: number, port: number): string {
  return `${family}/${addrOf(family, addr).toString('hex')}/${port}`;
}

test(
  'threads hammering the same torrents end as one thread replaying them in lock order',
  { timeout: BOUND_MS },
  async () => {
    const limits = { maxTorrents: 100, maxPeersPerTorrent: 10_000, initialCapacity: 1 };
    const shared = createSharedStore(limits);
    const go = new SharedArrayBuffer(4);
    const threads = 3;
    const job = (seed: number): Job => ({
      kind: 'hammer',
      seed,
      ops: 3000,
      torrents: 3,
      addrs: 24,
      ports: 3,
    });
    const workers = await Promise.all(
      Array.from({ length: threads }, (_, i) => start(shared, 2 + i, go, job(11 + i))),
    );
    release(go);
    const results = (await Promise.all(workers.map((w) => w.next()))) as { log: LoggedOp[] }[];
    await Promise.all(workers.map((w) => w.exited));

    const ops = results
      .flatMap((r, thread) => r.log.map((o) => ({ ...o, thread })))
      .sort((a, b) => a.seq - b.seq);
    assert.equal(ops.length, threads * 3000);
    for (let i = 1; i < ops.length; i++)
      assert.ok(ops[i].seq > ops[i - 1].seq, 'each operation has its own sequence number');
    // How often the lock passed from one thread to another (at least once per thread).
    const handovers = ops.filter((o, i) => i > 0 && o.thread !== ops[i - 1].thread).length;
    assert.ok(handovers >= threads - 1);

    const model = new MemoryStore(limits);
    for (const o of ops) {
      if (o.peers.length > 0) {
        // Whatever a thread was sent were peers of that torrent at that point, never itself.
        const present = peerKeys(model, o.torrent);
        for (const p of o.peers) assert.ok(present.has(p), `seq ${o.seq}: ${p} was not in the swarm`);
        assert.ok(!o.peers.includes(key(o.family, o.addr, o.port)), `seq ${o.seq}: sent itself`);
        assert.equal(new Set(o.peers).size, o.peers.length, `seq ${o.seq}: a peer sent twice`);
      }
      const op = peerAnnounce(hashOf(o.torrent), o.family, addrOf(o.family, o.addr), o.port, {
        id: idOf(o.addr * 16 + o.port),
        seeder: o.seeder,
        completed: o.completed,
        now: o.now,
      });
      const counts = { seeders: 0, leechers: 0, downloaded: 0 };
      const result =
        o.op === 'stop'
          ? model.remove(op, counts)
          : model.announce(op, counts, { room: () => 0, peer() {}, compact4: null, compact6: null });
      assert.equal(result, o.result, `seq ${o.seq}: ${o.op} result`);
      assert.deepEqual(
        [counts.seeders, counts.leechers, counts.downloaded],
        o.counts,
        `seq ${o.seq}: counts`,
      );
    }
    assert.deepEqual(contents(shared), contents(model), 'every peer set, flag and downloaded count');
    assert.deepEqual(shared.totals(), model.totals());
    assert.deepEqual(shared.uniqueAddresses(), model.uniqueAddresses());
    assert.ok(shared.totals().peers4 + shared.totals().peers6 > 50, 'the swarms grew past their first slots');
  },
);

for (const how of ['exits', 'is terminated'] as const) {
  test(
    `a thread that ${how} holding the lock is recovered and the others finish`,
    { timeout: BOUND_MS },
    async () => {
      const shared = createSharedStore({ maxTorrents: 100, maxPeersPerTorrent: 1000, initialCapacity: 1 });
      assert.equal(
        shared.announce(
          peerAnnounce(hashOf(0), 4, addrOf(4, 0), 1),
          { seeders: 0, leechers: 0, downloaded: 0 },
          { room: () => 0, peer() {}, compact4: null, compact6: null },
        ),
        0,
      );
      const go = new SharedArrayBuffer(4);
      const dying = await start(shared, 2, go, { kind: how === 'exits' ? 'die-exit' : 'die-hang' });
      const other = await start(shared, 3, go, { kind: 'announce', count: 2000 });
      release(go);
      if (how === 'is terminated') {
        assert.deepEqual(await dying.next(), { holding: true });
        await dying.worker.terminate();
      }
      assert.equal(await dying.exited, how === 'exits' ? 3 : 1);
      assert.equal(shared.recover(2), true, 'the dead thread held the lock');
      assert.equal(shared.recover(2), false);
      const done = (await other.next()) as { done: boolean };
      assert.ok(done.done);
      await other.exited;
      assert.equal(
        shared.totals().peers4,
        2001,
        'every announce of the other thread, after the recovered one',
      );
    },
  );
}

test('tables grown by one thread are read right by another', { timeout: BOUND_MS }, async () => {
  const shared = createSharedStore({
    maxTorrents: 10_000,
    maxPeersPerTorrent: 1000,
    initialCapacity: 1,
    maxPeersPerIp: 100,
  });
  // This thread's views are of one-slot tables now.
  assert.equal(shared.totals().torrents, 0);
  const go = new SharedArrayBuffer(4);
  const grower = await start(shared, 2, go, { kind: 'grow', torrents: 2000, peers: 4 });
  release(go);
  const done = (await grower.next()) as { totals: ReturnType<SharedStore['totals']> };
  await grower.exited;
  assert.deepEqual(shared.totals(), done.totals);
  assert.deepEqual([done.totals.torrents, done.totals.peers4, done.totals.peers6], [2000, 4000, 4000]);
  for (let t = 0; t < 2000; t += 97) {
    const c = shared.counts(hashOf(t), 0, { seeders: 0, leechers: 0, downloaded: 0 });
    assert.deepEqual([c.seeders, c.leechers, c.downloaded], [1, 3, 1], `torrent ${t}`);
  }
  assert.deepEqual(shared.uniqueAddresses(), { v4: 4000, v6: 4000 });
});

test(
  'a snapshot of a store the workers filled restores whole, on the main thread',
  { timeout: BOUND_MS },
  async () => {
    const limits = { maxTorrents: 10_000, maxPeersPerTorrent: 1000, initialCapacity: 1 };
    const shared = createSharedStore(limits);
    const go = new SharedArrayBuffer(4);
    const grower = await start(shared, 2, go, { kind: 'grow', torrents: 300, peers: 3 });
    release(go);
    await grower.next();
    await grower.exited;
    const path = join(tempDir(), 'trakx.db');
    const saved = await new SnapshotSaver(shared, { path }).save();
    assert.deepEqual([saved.torrents, saved.peers4, saved.peers6], [300, 600, 300]);
    const restored = createSharedStore(limits);
    const result = restoreSnapshot(restored, {
      path,
      expiry: 2400,
      now: 2100,
      logger: captureLogger().logger,
    });
    assert.equal(result.outcome, 'restored');
    assert.deepEqual(dumpStore(restored).lines, dumpStore(shared).lines);
  },
);
