// A store that answers its request operations later, as a networked one would: it
// copies the request when called (the contract lets callers reuse it at once), then
// runs the in-memory store's operation in a later turn and settles with its answer.
// The admin side stays the in-memory store's, synchronous.

import type { PeerSink, SwarmCounts } from '../../app/bittorrent/peer-sink.ts';
import { MemoryStore, type MemoryStoreOptions } from '../../app/swarm/memory-store.ts';
import {
  PeerAnnounce,
  type PutResult,
  type SnapshotVisitor,
  type StoreAdmin,
  type StoreTotals,
  type SwarmStore,
} from '../../app/swarm/store.ts';

function copy(op: PeerAnnounce): PeerAnnounce {
  const c = new PeerAnnounce();
  c.hash = op.hash.slice(op.hashOff, op.hashOff + 20);
  c.family = op.family;
  c.addr = op.addr.slice(0, op.family === 4 ? 4 : 16);
  c.port = op.port;
  c.peerId = op.peerId.slice(op.idOff, op.idOff + 20);
  c.seeder = op.seeder;
  c.completed = op.completed;
  c.now = op.now;
  c.numwant = op.numwant;
  return c;
}

function later<T>(run: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(run());
      } catch (err) {
        reject(err);
      }
    }),
  );
}

export class LaterStore implements SwarmStore, StoreAdmin {
  readonly answersLater = true;
  readonly inner: MemoryStore;
  /** Request operations started and not yet settled. */
  pending = 0;

  constructor(opts: MemoryStoreOptions) {
    this.inner = new MemoryStore(opts);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending++;
    return p.finally(() => this.pending--);
  }

  announce(op: PeerAnnounce, counts: SwarmCounts, sink: PeerSink): Promise<PutResult> {
    const c = copy(op);
    return this.track(later(() => this.inner.announce(c, counts, sink)));
  }

  remove(op: PeerAnnounce, counts: SwarmCounts): Promise<boolean> {
    const c = copy(op);
    return this.track(later(() => this.inner.remove(c, counts)));
  }

  counts(hash: Uint8Array, hashOff: number, out: SwarmCounts): Promise<SwarmCounts> {
    const h = hash.slice(hashOff, hashOff + 20);
    return this.track(later(() => this.inner.counts(h, 0, out)));
  }

  setDownloaded(hash: Uint8Array, hashOff: number, downloaded: number): boolean {
    return this.inner.setDownloaded(hash, hashOff, downloaded);
  }
  keepCount(hash: Uint8Array, hashOff: number, downloaded: number, idleSince: number): boolean {
    return this.inner.keepCount(hash, hashOff, downloaded, idleSince);
  }
  drop(hash: Uint8Array, hashOff: number): boolean {
    return this.inner.drop(hash, hashOff);
  }
  sweep(cutoff: number, budget: number): boolean {
    return this.inner.sweep(cutoff, budget);
  }
  visit(from: number, maxTorrents: number, visitor: SnapshotVisitor): number {
    return this.inner.visit(from, maxTorrents, visitor);
  }
  totals(): StoreTotals {
    return this.inner.totals();
  }
  uniqueAddresses(): { v4: number; v6: number } {
    return this.inner.uniqueAddresses();
  }
  clear(): void {
    this.inner.clear();
  }
}

/** A store whose every request fails later, as one whose Redis is gone would. */
export class DownStore extends LaterStore {
  /** Requests failed so far. */
  failed = 0;

  private fail<T>(): Promise<T> {
    this.failed++;
    return new Promise((_, reject) => setImmediate(() => reject(new Error('store down'))));
  }
  override announce(): Promise<PutResult> {
    return this.fail();
  }
  override remove(): Promise<boolean> {
    return this.fail();
  }
  override counts(): Promise<SwarmCounts> {
    return this.fail();
  }
}
