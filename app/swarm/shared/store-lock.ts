// One lock for a store shared by threads: an Int32 word holding its owner's id (0 =
// free), taken with a compare-exchange. A thread that finds it held spins briefly (a
// hold is an operation's length), then sleeps in Atomics.wait until the holder lets go
// (allowed on Node's main thread too; holds are short). The owner's id in the word lets
// a supervisor free the lock of a thread that died holding it (recover).

// A thread that dies while asleep on the lock leaves the waiter count one too high: every
// release then notifies, which costs a little and loses nothing.

/** Control words of the lock. */
const LOCK = 0;
const WAITERS = 1;
export const LOCK_WORDS = 2;

/** Checks of the word before sleeping. */
const SPINS = 200;
/** A sleeper wakes up at least this often to look again (a lost wake-up costs no more). */
const WAIT_MS = 50;
/** Holds are timed one in this many: reading the clock twice per hold would cost more than the lock. */
export const HOLD_SAMPLE = 32;

export interface LockStats {
  acquires: number;
  contended: number;
  waitNs: number;
  heldNs: number;
}

export class StoreLock {
  private acquires = 0;
  private contended = 0;
  private waitNs = 0;
  private heldNs = 0;
  private heldFrom = -1;

  /**
   * @param word the lock's LOCK_WORDS shared Int32 words
   * @param owner this thread's id (> 0), unique among live threads
   */
  constructor(
    private readonly word: Int32Array,
    readonly owner: number,
  ) {
    if (!(owner > 0 && owner < 2 ** 30 && Number.isInteger(owner)))
      throw new RangeError(`lock owner ${owner}`);
  }

  acquire(): void {
    if (Atomics.compareExchange(this.word, LOCK, 0, this.owner) !== 0) this.contend();
    if ((++this.acquires & (HOLD_SAMPLE - 1)) === 0) this.heldFrom = performance.now();
  }

  release(): void {
    if (this.heldFrom >= 0) {
      this.heldNs += (performance.now() - this.heldFrom) * 1e6 * HOLD_SAMPLE;
      this.heldFrom = -1;
    }
    const w = this.word;
    Atomics.store(w, LOCK, 0);
    if (Atomics.load(w, WAITERS) !== 0) Atomics.notify(w, LOCK, 1);
  }

  private contend(): void {
    const w = this.word;
    const me = this.owner;
    const from = performance.now();
    this.contended++;
    for (let i = 0; i < SPINS; i++) {
      if (Atomics.load(w, LOCK) === 0 && Atomics.compareExchange(w, LOCK, 0, me) === 0) {
        this.waitNs += (performance.now() - from) * 1e6;
        return;
      }
    }
    for (;;) {
      // Counted as a waiter before the last look, so a release after it notifies us.
      Atomics.add(w, WAITERS, 1);
      const holder = Atomics.compareExchange(w, LOCK, 0, me);
      if (holder !== 0) Atomics.wait(w, LOCK, holder, WAIT_MS);
      Atomics.sub(w, WAITERS, 1);
      if (holder === 0) break;
      if (Atomics.compareExchange(w, LOCK, 0, me) === 0) break;
    }
    this.waitNs += (performance.now() - from) * 1e6;
  }

  /** Free the lock if `owner` (a thread that has exited) holds it; true if it did. */
  recover(owner: number): boolean {
    if (owner === 0 || Atomics.compareExchange(this.word, LOCK, owner, 0) !== owner) return false;
    Atomics.notify(this.word, LOCK);
    return true;
  }

  /** Who holds the lock (0: nobody). */
  holder(): number {
    return Atomics.load(this.word, LOCK);
  }

  stats(): LockStats {
    return { acquires: this.acquires, contended: this.contended, waitNs: this.waitNs, heldNs: this.heldNs };
  }
}
