// One tracker's metrics: a private prom-client Registry (never the global one, so two
// services in one process — tests — do not collide) holding the request counters, the
// duration histogram, the swarm and snapshot gauges and Node's default metrics, plus
// the figures /stats serves. service.ts creates it and hands `observer` to the servers;
// with worker threads the request figures are the sum over every worker's slots, and the
// swarm gauges are read once from the main thread's view of the shared store.

import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { StoreAdmin } from '../swarm/store.ts';
import { DurationHistogram } from './duration-histogram.ts';
import { expvar } from './expvar.ts';
import { GcPauses } from './gc-pauses.ts';
import { registerLockMetrics } from './lock-metrics.ts';
import type { MetricsEndpoint } from './metrics-endpoint.ts';
import { registerRequestCounters } from './request-metrics.ts';
import { type LockFigures, RequestSlots } from './request-slots.ts';
import { StoreMetrics } from './store-metrics.ts';
import { registerSwarmGauges } from './swarm-gauges.ts';
import { registerWorkerMetrics, type WorkerFigures } from './worker-metrics.ts';
import { registerWsMetrics } from './ws-metrics.ts';

export interface MetricsOptions {
  store: StoreAdmin;
  /** Keep trakx_request_duration_seconds (config metrics.histogram). */
  histogram: boolean;
  /** With worker threads: their slots and how many are alive; absent, this thread serves. */
  workers?: WorkerFigures;
  /** The main thread's own totals of the shared store lock (with worker threads). */
  lock?: () => LockFigures;
  /** With worker threads: the WebRTC peers of the main thread's WebSocket hub. */
  wsPeers?: () => number;
}

export class Metrics implements MetricsEndpoint {
  readonly registry = new Registry();
  /**
   * This thread's request figures: what its frontends report to (observer) and where the
   * WebSocket frontend counts (ws). Unused by a main thread that supervises workers.
   */
  readonly slots: RequestSlots;
  /** What the registry reads: this thread's slots, or the sum over every worker's. */
  private readonly read: () => RequestSlots;
  private readonly workers: WorkerFigures;
  private readonly gc = new GcPauses();
  private readonly startedAt = performance.now();
  private readonly snapshotSeconds: Gauge;
  private readonly snapshotBytes: Gauge;
  private readonly snapshotTime: Gauge;

  constructor(private readonly opts: MetricsOptions) {
    const registers = [this.registry];
    const slots = new RequestSlots(opts.histogram);
    this.slots = slots;
    const workers = opts.workers;
    if (workers) {
      const total = new RequestSlots(opts.histogram);
      const wsPeers = opts.wsPeers;
      if (wsPeers) total.peersFrom(wsPeers);
      this.read = () => {
        total.sumOf(workers.slots());
        if (wsPeers) total.refreshPeers();
        return total;
      };
    } else {
      this.read = () => {
        slots.refreshPeers();
        return slots;
      };
    }
    if (opts.histogram) {
      // A metric object of prom-client's shape that is not one of its classes.
      const histogram = new DurationHistogram(this.read);
      this.registry.registerMetric(histogram as unknown as Parameters<Registry['registerMetric']>[0]);
    }
    registerRequestCounters(this.registry, this.read);
    registerSwarmGauges(this.registry, opts.store);
    registerWsMetrics(this.registry, this.read);
    this.workers = workers ?? { slots: () => [slots], live: () => 1, configured: 1 };
    registerWorkerMetrics(this.registry, this.workers);
    registerLockMetrics(this.registry, this.read, opts.lock);
    this.snapshotSeconds = new Gauge({
      name: 'trakx_snapshot_duration_seconds',
      help: 'Wall time of the last snapshot save (0 before the first).',
      registers,
    });
    this.snapshotBytes = new Gauge({
      name: 'trakx_snapshot_size_bytes',
      help: 'Size of the last snapshot file written (0 before the first).',
      registers,
    });
    this.snapshotTime = new Gauge({
      name: 'trakx_snapshot_timestamp_seconds',
      help: 'Unix time at which the last snapshot save finished (0 before the first).',
      registers,
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'trakx_' });
    // prom-client's nodejs_active_{handles,requests,resources}_total are gauges, and only
    // counters may end in _total; each is the sum of its per-type gauge, which stays.
    for (const m of this.registry.getMetricsAsArray()) {
      const { name, type } = m as unknown as { name: string; type: string };
      if (type !== 'counter' && name.endsWith('_total')) this.registry.removeSingleMetric(name);
    }
    this.gc.start();
  }

  private storeMetrics: StoreMetrics | null = null;

  /** The shared store's error and latency metrics, registered on first call (db.type redis). */
  storeMonitor(): StoreMetrics {
    this.storeMetrics ??= new StoreMetrics(this.registry);
    return this.storeMetrics;
  }

  /** Called by the persister after each successful save. */
  snapshotSaved(seconds: number, bytes: number): void {
    this.snapshotSeconds.set(seconds);
    this.snapshotBytes.set(bytes);
    this.snapshotTime.set(Date.now() / 1000);
  }

  get observer(): RequestSlots {
    return this.slots;
  }

  /** The WebSocket frontend's connections, messages and peers. */
  get ws(): RequestSlots {
    return this.slots;
  }

  /** The Prometheus text exposition. */
  prometheus(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The expvar document of /stats. */
  stats(): Promise<Record<string, unknown>> {
    return Promise.resolve(
      expvar({
        store: this.opts.store,
        requests: this.read(),
        gc: this.gc,
        startedAt: this.startedAt,
        workers: this.workers,
      }),
    );
  }

  close(): void {
    this.gc.stop();
  }
}
