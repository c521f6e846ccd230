// Drives expiry: every `every` seconds a pass over the store removes peers not seen for
// `expiry` seconds. A pass runs in slices of `slice` slots with the event loop free in
// between, so a million peers never stall requests.

import type { StoreAdmin } from './store.ts';

export interface SweeperOptions {
  every: number;
  expiry: number;
  slice?: number;
  now?: () => number;
}

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(
    private readonly store: StoreAdmin,
    private readonly opts: SweeperOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.pass(), this.opts.every * 1000);
    this.timer.unref();
  }

  /** One full pass; resolves when it is done. A call while a pass runs resolves at once. */
  pass(): Promise<void> {
    if (this.running || this.stopped) return Promise.resolve();
    this.running = true;
    const now = this.opts.now ?? (() => Math.floor(Date.now() / 1000));
    const cutoff = now() - this.opts.expiry;
    const slice = this.opts.slice ?? 16384;
    return new Promise((resolve) => {
      const step = () => {
        if (this.stopped || this.store.sweep(cutoff, slice)) {
          this.running = false;
          resolve();
          return;
        }
        setImmediate(step);
      };
      step();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }
}
