// A worker thread for shared-threads.test.ts: attaches to the shared store it is given
// and runs one job, reporting to its parent. Not a test file itself.

import { parentPort, workerData } from 'node:worker_threads';
import type { Family } from '../../app/bittorrent/family.ts';
import type { PeerSink } from '../../app/bittorrent/peer-sink.ts';
import { attachSharedStore, type SharedStoreHandle } from '../../app/swarm/shared/shared-store.ts';
import { PeerAnnounce, type SnapshotVisitor } from '../../app/swarm/store.ts';
import { prng } from '../helpers/prng.ts';
import { addrOf, hashOf, idOf } from './conformance.ts';

export type Job =
  | { kind: 'hammer'; seed: number; ops: number; torrents: number; addrs: number; ports: number }
  | { kind: 'grow'; torrents: number; peers: number }
  | { kind: 'die-exit' }
  | { kind: 'die-hang' }
  | { kind: 'announce'; count: number };

export interface WorkerInput {
  handle: SharedStoreHandle;
  owner: number;
  /** One Int32 word: jobs start when it turns non-zero, so all threads run at once. */
  go: SharedArrayBuffer;
  job: Job;
}

/** One operation as it took effect, for replay in `seq` order. */
export interface LoggedOp {
  seq: number;
  op: 'announce' | 'stop';
  torrent: number;
  family: Family;
  addr: number;
  port: number;
  seeder: boolean;
  completed: boolean;
  now: number;
  numwant: number;
  result: number | boolean;
  counts: [number, number, number];
  /** Peers sent, as "family/addr/port". */
  peers: string[];
}

/** Records the peers it is given, as "family/addr hex/port". */
class Keys implements PeerSink {
  readonly compact4 = null;
  readonly compact6 = null;
  keys: string[] = [];
  max = 0;
  room(): number {
    return this.max - this.keys.length;
  }
  peer(family: Family, addrPort: Uint8Array, addrOff: number): void {
    const ilen = family === 4 ? 4 : 16;
    const addr = Buffer.from(addrPort.subarray(addrOff, addrOff + ilen)).toString('hex');
    const port = (addrPort[addrOff + ilen] << 8) | addrPort[addrOff + ilen + 1];
    this.keys.push(`${family}/${addr}/${port}`);
  }
}

/** A visitor that runs `inside` while the store's lock is held (visit holds it). */
function holding(inside: () => void): SnapshotVisitor {
  return { torrent: inside, peer() {} };
}

function main(): void {
  const input = workerData as WorkerInput;
  const port = parentPort!;
  const store = attachSharedStore(input.handle, input.owner);
  const go = new Int32Array(input.go);
  port.postMessage({ ready: true });
  while (Atomics.load(go, 0) === 0) Atomics.wait(go, 0, 0, 100);
  const job = input.job;
  const op = new PeerAnnounce();
  const counts = { seeders: 0, leechers: 0, downloaded: 0 };
  const sink = new Keys();
  switch (job.kind) {
    case 'hammer': {
      const rand = prng(job.seed);
      const int = (n: number) => Math.floor(rand() * n);
      const log: LoggedOp[] = [];
      for (let i = 0; i < job.ops; i++) {
        const family: Family = rand() < 0.5 ? 4 : 6;
        const torrent = int(job.torrents);
        const addr = int(job.addrs);
        const p = 6881 + int(job.ports);
        const r = rand();
        op.hash = hashOf(torrent);
        op.family = family;
        op.addr = addrOf(family, addr);
        op.port = p;
        op.peerId = idOf(addr * 16 + p);
        op.seeder = rand() < 0.3;
        op.completed = op.seeder && rand() < 0.5;
        op.now = 1000 + i;
        op.numwant = int(8);
        sink.keys = [];
        sink.max = op.numwant;
        const stop = r < 0.3;
        const result = stop ? store.remove(op, counts) : store.announce(op, counts, sink);
        log.push({
          seq: store.lastSeq,
          op: stop ? 'stop' : 'announce',
          torrent,
          family,
          addr,
          port: p,
          seeder: op.seeder,
          completed: op.completed,
          now: op.now,
          numwant: op.numwant,
          result,
          counts: [counts.seeders, counts.leechers, counts.downloaded],
          peers: sink.keys,
        });
      }
      port.postMessage({ log, stats: store.lockStats() });
      return;
    }
    case 'grow': {
      for (let t = 0; t < job.torrents; t++) {
        for (let a = 0; a < job.peers; a++) {
          op.hash = hashOf(t);
          op.family = a % 2 === 0 ? 4 : 6;
          op.addr = addrOf(op.family, t * job.peers + a);
          op.port = 1000 + a;
          op.peerId = idOf(a);
          op.seeder = a === 0;
          op.completed = a === 0;
          op.now = 2000;
          op.numwant = 0;
          store.announce(op, counts, sink);
        }
      }
      port.postMessage({ done: true, totals: store.totals() });
      return;
    }
    case 'die-exit':
      store.visit(
        0,
        1,
        holding(() => process.exit(3)),
      );
      return;
    case 'die-hang':
      store.visit(
        0,
        1,
        holding(() => {
          port.postMessage({ holding: true });
          for (;;) Atomics.wait(go, 0, 1, 1000);
        }),
      );
      return;
    case 'announce': {
      for (let i = 0; i < job.count; i++) {
        op.hash = hashOf(i % 5);
        op.family = 4;
        op.addr = addrOf(4, i);
        op.port = 7000;
        op.peerId = idOf(i);
        op.seeder = false;
        op.completed = false;
        op.now = 3000;
        op.numwant = 0;
        store.announce(op, counts, sink);
      }
      port.postMessage({ done: true, stats: store.lockStats() });
      return;
    }
  }
}

main();
