// One process's metrics: a private prom-client Registry (never the global one, so two
// services in one process — tests — do not collide) holding the request counters, the
// duration histogram, the swarm and snapshot gauges and Node's default metrics, plus
// the figures /stats serves. service.ts creates it and hands `observer` to the servers.

import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { RequestObserver } from '../bittorrent/observer.ts';
import type { StoreAdmin } from '../swarm/store.ts';
import { DurationHistogram } from './duration-histogram.ts';
import { expvar } from './expvar.ts';
import { GcPauses } from './gc-pauses.ts';
import { RequestMetrics } from './request-metrics.ts';
import { StoreMetrics } from './store-metrics.ts';
import { registerSwarmGauges } from './swarm-gauges.ts';
import { WsMetrics } from './ws-metrics.ts';

export interface MetricsOptions {
  store: StoreAdmin;
  /** Keep trakx_request_duration_seconds (config metrics.histogram). */
  histogram: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  readonly observer: RequestObserver;
  /** The WebSocket tracker's connections, messages and peers. */
  readonly ws: WsMetrics;
  private readonly requests: RequestMetrics;
  private readonly gc = new GcPauses();
  private readonly startedAt = performance.now();
  private readonly snapshotSeconds: Gauge;
  private readonly snapshotBytes: Gauge;
  private readonly snapshotTime: Gauge;

  constructor(private readonly opts: MetricsOptions) {
    const registers = [this.registry];
    let histogram: DurationHistogram | null = null;
    if (opts.histogram) {
      histogram = new DurationHistogram();
      // A metric object of prom-client's shape that is not one of its classes.
      this.registry.registerMetric(histogram as unknown as Parameters<Registry['registerMetric']>[0]);
    }
    this.requests = new RequestMetrics(this.registry, histogram);
    this.observer = this.requests;
    registerSwarmGauges(this.registry, opts.store);
    this.ws = new WsMetrics(this.registry);
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

  /** The Prometheus text exposition. */
  prometheus(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The expvar document of /stats. */
  stats(): Record<string, unknown> {
    return expvar({
      store: this.opts.store,
      requests: this.requests,
      gc: this.gc,
      startedAt: this.startedAt,
    });
  }

  close(): void {
    this.gc.stop();
  }
}
