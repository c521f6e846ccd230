// Requests that arrive together are answered together: queued as Node reads them in one
// poll phase, then answered back to back in its check phase (setImmediate), with the
// tracker's code and the store's cache lines still warm instead of evicted by Node's
// work between requests. A lone request pays one setImmediate.

export type BurstRun<A, B, C> = (a: A, b: B, c: C) => void;

export class Burst<A, B, C> {
  private n = 0;
  private readonly qa: (A | undefined)[] = [];
  private readonly qb: (B | undefined)[] = [];
  private readonly qc: (C | undefined)[] = [];

  /**
   * @param run answers one request; it is called in order, once per push.
   * @param onError told of anything run() throws: the rest of the burst is still answered.
   */
  constructor(
    private readonly run: BurstRun<A, B, C>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Requests waiting for the check phase. */
  get pending(): number {
    return this.n;
  }

  /**
   * Run this request at once, unless a burst is waiting: then it joins the burst, since
   * requests queued ahead of it (pipelined on its connection, say) must take effect first.
   * Errors go to onError either way.
   */
  runNow(a: A, b: B, c: C): void {
    if (this.n > 0) {
      this.push(a, b, c);
      return;
    }
    this.runOne(a, b, c);
  }

  push(a: A, b: B, c: C): void {
    const n = this.n;
    this.qa[n] = a;
    this.qb[n] = b;
    this.qc[n] = c;
    this.n = n + 1;
    if (n === 0) setImmediate(this.flush);
  }

  // An arrow field, so setImmediate takes it without a bind or closure per burst.
  private readonly flush = (): void => {
    // Re-reads n: a request pushed while the burst runs joins it (no second immediate
    // is scheduled while n > 0).
    for (let i = 0; i < this.n; i++) {
      const a = this.qa[i] as A;
      const b = this.qb[i] as B;
      const c = this.qc[i] as C;
      // Dropped before running, so a request that throws is not kept alive either.
      this.qa[i] = undefined;
      this.qb[i] = undefined;
      this.qc[i] = undefined;
      this.runOne(a, b, c);
    }
    this.n = 0;
  };

  private runOne(a: A, b: B, c: C): void {
    try {
      this.run(a, b, c);
    } catch (err) {
      // A throw out of an immediate would end the process; one request's must not.
      try {
        this.onError(err);
      } catch {
        // the error sink itself failed: nothing left to tell
      }
    }
  }
}
