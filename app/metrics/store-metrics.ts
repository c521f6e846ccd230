// The shared store's health (db.type redis): failed requests by reason and the time
// Redis takes to answer. Registered only when the store is networked.

import { Counter, Histogram, type Registry } from 'prom-client';
import type { StoreErrorReason, StoreMonitor } from '../swarm/redis/redis-store.ts';

const REASONS: readonly StoreErrorReason[] = ['timeout', 'down', 'overload', 'reply'];

/** Loopback answers in tens of microseconds; db.redis.timeout is at most a minute. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2, 10];

export class StoreMetrics implements StoreMonitor {
  private readonly errors: Counter<'reason'>;
  private readonly seconds: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.errors = new Counter({
      name: 'trakx_store_errors_total',
      help: 'Store requests that failed: timeout (no reply in db.redis.timeout), down (not connected), overload (db.redis.maxInFlight reached), reply (Redis answered with an error).',
      labelNames: ['reason'],
      registers,
    });
    // Every reason from the start, so rate() sees the first failure.
    for (const reason of REASONS) this.errors.inc({ reason }, 0);
    this.seconds = new Histogram({
      name: 'trakx_store_latency_seconds',
      help: 'Time from sending a store request to its reply from Redis.',
      buckets: BUCKETS,
      registers,
    });
  }

  error(reason: StoreErrorReason): void {
    this.errors.inc({ reason });
  }

  latency(seconds: number): void {
    this.seconds.observe(seconds);
  }
}
