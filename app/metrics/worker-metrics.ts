// trakx_workers (threads serving the tracker ports now) and
// trakx_worker_requests_total{worker}: each worker's requests, read from its slots at
// scrape time, so how evenly reusePort spreads clients shows on a dashboard. A single
// thread reports itself as worker 0.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { RequestSlots } from './request-slots.ts';

export interface WorkerFigures {
  /** Every worker's slots by index (a replaced worker's successor keeps its slots). */
  slots(): readonly RequestSlots[];
  /** Workers serving now. */
  live(): number;
  /** Workers configured (config workers). */
  readonly configured: number;
}

export function registerWorkerMetrics(registry: Registry, workers: WorkerFigures): void {
  const registers = [registry];
  new Gauge({
    name: 'trakx_workers',
    help: 'Threads serving the tracker ports (config workers; 1 for a single thread).',
    registers,
    collect() {
      this.set(workers.live());
    },
  });
  new Counter({
    name: 'trakx_worker_requests_total',
    help: 'Tracker requests answered (HTTP and UDP), by worker thread.',
    labelNames: ['worker'],
    registers,
    collect() {
      const all = workers.slots();
      this.reset();
      for (let i = 0; i < all.length; i++) this.inc({ worker: String(i) }, all[i].total(-1));
    },
  });
}
