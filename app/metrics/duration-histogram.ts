// trakx_request_duration_seconds: one histogram series per (protocol, action) that can
// occur (no HTTP connect), kept in
// flat arrays so an observation is a clock read, a short bucket scan and two additions
// (prom-client's own Histogram builds a label-hash string per observe). It is handed to
// the prom-client Registry as a metric object: the registry only calls get() at scrape time.

import {
  hasAction,
  PROTOCOLS,
  type Protocol,
  REQUEST_KINDS,
  type RequestKind,
} from '../bittorrent/observer.ts';

/**
 * Upper bounds in seconds. Few on purpose (each costs a comparison per request); they
 * span a tracker's range: tens of microseconds for an announce, milliseconds under load,
 * a quarter second when the event loop is badly stuck.
 */
export const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25] as const;

const SERIES = PROTOCOLS.length * REQUEST_KINDS.length;

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

export class DurationHistogram {
  readonly name = 'trakx_request_duration_seconds';
  readonly help = 'Time from the start of a tracker request to its reply, by protocol and action.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds = Float64Array.from(DURATION_BUCKETS);
  /** Per series: one count per bucket plus the +Inf overflow (not cumulative). */
  private readonly buckets = new Float64Array(SERIES * (DURATION_BUCKETS.length + 1));
  private readonly sums = new Float64Array(SERIES);
  private readonly counts = new Float64Array(SERIES);

  /** `series` is protocol * REQUEST_KINDS.length + action. */
  observe(series: number, seconds: number): void {
    const bounds = this.bounds;
    const n = bounds.length;
    let b = 0;
    while (b < n && seconds > bounds[b]) b++;
    this.buckets[series * (n + 1) + b]++;
    this.sums[series] += seconds;
    this.counts[series]++;
  }

  /** The exposition of prom-client's metric interface (bucket counts made cumulative). */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    const n = this.bounds.length;
    for (let p = 0; p < PROTOCOLS.length; p++) {
      for (let a = 0; a < REQUEST_KINDS.length; a++) {
        if (!hasAction(p as Protocol, a as RequestKind)) continue;
        const s = p * REQUEST_KINDS.length + a;
        const labels = { protocol: PROTOCOLS[p], action: REQUEST_KINDS[a] };
        let acc = 0;
        for (let b = 0; b <= n; b++) {
          acc += this.buckets[s * (n + 1) + b];
          values.push({
            value: acc,
            labels: { ...labels, le: b < n ? this.bounds[b] : '+Inf' },
            metricName: `${this.name}_bucket`,
          });
        }
        values.push({ value: this.sums[s], labels, metricName: `${this.name}_sum` });
        values.push({ value: this.counts[s], labels, metricName: `${this.name}_count` });
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
