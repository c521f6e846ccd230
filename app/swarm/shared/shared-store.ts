// The in-memory store shared by worker threads: one MemoryStore whose tables and
// scalars live in SharedArrayBuffers (shared-memory.ts), every operation whole under
// one lock (store-lock.ts), so a peer announced through any thread is seen by all of
// them at once, exactly as with one thread. The main thread creates it and hands
// `handle` to each worker in workerData; a worker attaches with its own owner id.
//
// A thread that dies holding the lock (process.exit or terminate() mid-operation)
// leaves that one operation half applied: e.g. a peer indexed but not yet in its list,
// a count not yet raised, or an index half rebuilt. recover() frees the lock so the
// others continue; the half-applied torrent may then answer inconsistently until its
// peers expire, and clear() (or a restart from a snapshot) is the way back to a store
// known to be whole. An exception in an operation releases the lock (try/finally).

import type { PeerSink, SwarmCounts } from '../../bittorrent/peer-sink.ts';
import { FAST } from '../../runtime/fast.ts';
import { SEED_A, SEED_B, useSeeds } from '../hash.ts';
import { MemoryStore, type MemoryStoreOptions } from '../memory-store.ts';
import type { LocalStore, PeerAnnounce, PutResult, SnapshotVisitor, StoreTotals } from '../store.ts';
import { newParts, SharedMemory, type SharedParts } from './shared-memory.ts';
import { LOCK_WORDS, type LockStats, StoreLock } from './store-lock.ts';

export type { LockStats } from './store-lock.ts';

/** Structured-cloneable (SharedArrayBuffers + plain numbers/strings only): sent to workers in workerData. */
export interface SharedStoreHandle {
  readonly opts: MemoryStoreOptions;
  /** The hash key of the thread that made the store: every thread must index alike. */
  readonly seeds: [number, number];
  /** Whether the `fast` build made it (its tables differ: no address counters). */
  readonly fast: boolean;
  /** The lock's words, then the operation sequence number. */
  readonly control: SharedArrayBuffer;
  readonly parts: SharedParts;
}

export interface SharedStore extends LocalStore {
  readonly handle: SharedStoreHandle;
  /** This thread's lock owner id (> 0). */
  readonly owner: number;
  /**
   * Sequence number of this thread's latest operation, taken under the lock: operations
   * of all threads ordered by it are the order they took effect in.
   */
  readonly lastSeq: number;
  /** Release the lock if `owner` (a dead thread) holds it; true if it did. */
  recover(owner: number): boolean;
  /** This thread's own lock counters since it attached (cumulative). */
  lockStats(): LockStats;
}

export const MAIN_OWNER = 1;

const SEQ = LOCK_WORDS;
const CONTROL_WORDS = SEQ + 1;

class LockedStore extends MemoryStore implements SharedStore {
  private readonly lock: StoreLock;
  private readonly mem: SharedMemory;
  private readonly control: Int32Array;
  lastSeq = 0;

  constructor(
    readonly handle: SharedStoreHandle,
    readonly owner: number,
    attached: boolean,
  ) {
    const mem = new SharedMemory(handle.parts, attached);
    super(handle.opts, mem);
    this.mem = mem;
    this.control = new Int32Array(handle.control, 0, CONTROL_WORDS);
    this.lock = new StoreLock(this.control.subarray(0, LOCK_WORDS), owner);
  }

  /** Take the lock and bring this thread's views up to date. */
  private enter(): void {
    this.lock.acquire();
    try {
      if (this.mem.stale()) this.refresh();
    } catch (e) {
      this.lock.release();
      throw e;
    }
    this.lastSeq = ++this.control[SEQ];
  }

  override announce(op: PeerAnnounce, counts: SwarmCounts, sink: PeerSink): PutResult {
    this.enter();
    try {
      return super.announce(op, counts, sink);
    } finally {
      this.lock.release();
    }
  }

  override remove(op: PeerAnnounce, counts: SwarmCounts): boolean {
    this.enter();
    try {
      return super.remove(op, counts);
    } finally {
      this.lock.release();
    }
  }

  override counts(hash: Uint8Array, hashOff: number, out: SwarmCounts): SwarmCounts {
    this.enter();
    try {
      return super.counts(hash, hashOff, out);
    } finally {
      this.lock.release();
    }
  }

  override setDownloaded(hash: Uint8Array, hashOff: number, downloaded: number): boolean {
    this.enter();
    try {
      return super.setDownloaded(hash, hashOff, downloaded);
    } finally {
      this.lock.release();
    }
  }

  override keepCount(hash: Uint8Array, hashOff: number, downloaded: number, idleSince: number): boolean {
    this.enter();
    try {
      return super.keepCount(hash, hashOff, downloaded, idleSince);
    } finally {
      this.lock.release();
    }
  }

  override drop(hash: Uint8Array, hashOff: number): boolean {
    this.enter();
    try {
      return super.drop(hash, hashOff);
    } finally {
      this.lock.release();
    }
  }

  override sweep(cutoff: number, budget: number): boolean {
    this.enter();
    try {
      return super.sweep(cutoff, budget);
    } finally {
      this.lock.release();
    }
  }

  override visit(from: number, maxTorrents: number, visitor: SnapshotVisitor): number {
    this.enter();
    try {
      return super.visit(from, maxTorrents, visitor);
    } finally {
      this.lock.release();
    }
  }

  override totals(): StoreTotals {
    this.enter();
    try {
      return super.totals();
    } finally {
      this.lock.release();
    }
  }

  override uniqueAddresses(): { v4: number; v6: number } {
    this.enter();
    try {
      return super.uniqueAddresses();
    } finally {
      this.lock.release();
    }
  }

  override clear(): void {
    this.enter();
    try {
      super.clear();
    } finally {
      this.lock.release();
    }
  }

  recover(owner: number): boolean {
    return this.lock.recover(owner);
  }

  lockStats(): LockStats {
    return this.lock.stats();
  }
}

/** Main thread: allocate. */
export function createSharedStore(opts: MemoryStoreOptions): SharedStore {
  const handle: SharedStoreHandle = {
    opts: { ...opts },
    seeds: [SEED_A, SEED_B],
    fast: FAST,
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    parts: newParts(),
  };
  return new LockedStore(handle, MAIN_OWNER, false);
}

/**
 * A worker: attach to the same memory; owner ids are unique per thread lifetime (>= 2,
 * < 2^30). Call before this thread builds any other keyed table: it takes the store's
 * hash key.
 */
export function attachSharedStore(handle: SharedStoreHandle, owner: number): SharedStore {
  if (handle.fast !== FAST) throw new Error('shared store made by the other build (fast/normal)');
  if (owner === MAIN_OWNER) throw new RangeError('owner 1 is the main thread');
  if (SEED_A !== (handle.seeds[0] | 1) || SEED_B !== handle.seeds[1])
    useSeeds(handle.seeds[0], handle.seeds[1]);
  return new LockedStore(handle, owner, true);
}
