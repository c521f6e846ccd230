// What /metrics and /stats need: the main thread's Metrics, or in a worker thread a proxy
// that asks the main thread (app/workers/), whose registry sums every worker.

export interface MetricsEndpoint {
  readonly contentType: string;
  /** The Prometheus text exposition. */
  prometheus(): Promise<string>;
  /** The expvar document of /stats. */
  stats(): Promise<Record<string, unknown>>;
}
