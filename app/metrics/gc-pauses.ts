// Garbage-collection pauses in the shape of Go's runtime.MemStats, for /stats: the last
// 256 pause durations in a circular buffer (the most recent at (NumGC + 255) % 256),
// their end times, the count and the total. Fed by a perf_hooks observer, so it costs
// nothing between collections.

import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

export const PAUSE_SLOTS = 256;

export class GcPauses {
  readonly pauseNs = new Float64Array(PAUSE_SLOTS);
  /** Unix nanoseconds at which each pause ended. */
  readonly pauseEnd = new Float64Array(PAUSE_SLOTS);
  numGC = 0;
  pauseTotalNs = 0;
  /** Unix nanoseconds of the end of the last collection, 0 before the first. */
  lastGC = 0;
  private observer: PerformanceObserver | null = null;

  start(): void {
    if (this.observer) return;
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.record(entry);
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = null;
  }

  private record(entry: PerformanceEntry): void {
    const ns = Math.round(entry.duration * 1e6);
    const end = Math.round((performance.timeOrigin + entry.startTime + entry.duration) * 1e6);
    const i = this.numGC % PAUSE_SLOTS;
    this.pauseNs[i] = ns;
    this.pauseEnd[i] = end;
    this.numGC++;
    this.pauseTotalNs += ns;
    this.lastGC = end;
  }
}
