// The shared store lock (workers above 1): acquires, contended acquires, time spent
// waiting and (sampled) time held, summed over every thread that takes it. Workers copy
// their lock's totals into their slots once a second; the main thread's own (sweeps,
// snapshots) are read at scrape time. With a single thread there is no lock: all stay 0.

import { Counter, type Registry } from 'prom-client';
import type { LockFigures, RequestSlots } from './request-slots.ts';

const NO_LOCK: LockFigures = { acquires: 0, contended: 0, waitNs: 0, heldNs: 0 };

export function registerLockMetrics(
  registry: Registry,
  read: () => RequestSlots,
  own: () => LockFigures = () => NO_LOCK,
): void {
  const registers = [registry];
  const counter = (name: string, help: string, value: (l: Float64Array, o: LockFigures) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value(read().lock, own()));
      },
    });
  counter(
    'trakx_store_lock_acquires_total',
    'Acquisitions of the shared store lock.',
    (l, o) => l[0] + o.acquires,
  );
  counter(
    'trakx_store_lock_contended_total',
    'Acquisitions of the shared store lock that found it held.',
    (l, o) => l[1] + o.contended,
  );
  counter(
    'trakx_store_lock_wait_seconds_total',
    'Time threads spent waiting for the shared store lock.',
    (l, o) => (l[2] + o.waitNs) / 1e9,
  );
  counter(
    'trakx_store_lock_held_seconds_total',
    'Time the shared store lock was held (estimated from one hold in 32).',
    (l, o) => (l[3] + o.heldNs) / 1e9,
  );
}
