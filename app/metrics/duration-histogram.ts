// trakx_request_duration_seconds: one histogram series per (protocol, action) that can
// occur (no HTTP connect). The observations are kept in RequestSlots' flat arrays (an
// observation is a clock read, a short bucket scan and two additions, where prom-client's
// own Histogram builds a label-hash string per observe); this is the metric object handed
// to the prom-client Registry, which only calls get() at scrape time.

import {
  hasAction,
  PROTOCOLS,
  type Protocol,
  REQUEST_KINDS,
  type RequestKind,
} from '../bittorrent/observer.ts';
import { DURATION_BUCKETS, type RequestSlots } from './request-slots.ts';

export { DURATION_BUCKETS } from './request-slots.ts';

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

  constructor(private readonly read: () => RequestSlots) {}

  /** The exposition of prom-client's metric interface (bucket counts made cumulative). */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    const { buckets, sums, counts } = this.read();
    const n = DURATION_BUCKETS.length;
    for (let p = 0; p < PROTOCOLS.length; p++) {
      for (let a = 0; a < REQUEST_KINDS.length; a++) {
        if (!hasAction(p as Protocol, a as RequestKind)) continue;
        const s = p * REQUEST_KINDS.length + a;
        const labels = { protocol: PROTOCOLS[p], action: REQUEST_KINDS[a] };
        let acc = 0;
        for (let b = 0; b <= n; b++) {
          acc += buckets[s * (n + 1) + b];
          values.push({
            value: acc,
            labels: { ...labels, le: b < n ? DURATION_BUCKETS[b] : '+Inf' },
            metricName: `${this.name}_bucket`,
          });
        }
        values.push({ value: sums[s], labels, metricName: `${this.name}_sum` });
        values.push({ value: counts[s], labels, metricName: `${this.name}_count` });
      }
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
