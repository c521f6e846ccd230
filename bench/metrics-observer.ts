// Cost of the metrics on the request path: ns per RequestObserver.request() call with
// metrics off (NULL_OBSERVER), counters only, counters + duration histogram, and, for
// comparison, prom-client's own labelled Counter + Histogram doing the same job; and a
// worker thread's slots, which live in a SharedArrayBuffer, plus the heap they allocate.
// Run: node --import tsx bench/metrics-observer.ts

import { Counter, Histogram, Registry } from 'prom-client';
import {
  NULL_OBSERVER,
  PROTO_HTTP,
  REQ_ANNOUNCE,
  RESULT_OK,
  type RequestObserver,
} from '../app/bittorrent/observer.ts';
import { Metrics } from '../app/metrics/metrics.ts';
import { REQUEST_SLOTS_BYTES, RequestSlots } from '../app/metrics/request-slots.ts';
import { MemoryStore } from '../app/swarm/memory-store.ts';

const N = 5_000_000;
const ROUNDS = 5;

function time(fn: (n: number) => void): number {
  fn(100_000); // warm up
  const runs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    fn(N);
    runs.push(Number(process.hrtime.bigint() - t0) / N);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(ROUNDS / 2)];
}

function observerLoop(o: RequestObserver): (n: number) => void {
  return (n) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) o.request(PROTO_HTTP, REQ_ANNOUNCE, RESULT_OK, start);
  };
}

const store = new MemoryStore({ maxTorrents: 1000, maxPeersPerTorrent: 1000 });
const withHistogram = new Metrics({ store, histogram: true });
const countersOnly = new Metrics({ store, histogram: false });

const reg = new Registry();
const promCounter = new Counter({
  name: 'c_total',
  help: 'c',
  labelNames: ['protocol', 'action', 'result'],
  registers: [reg],
});
const promHistogram = new Histogram({
  name: 'h_seconds',
  help: 'h',
  labelNames: ['protocol', 'action'],
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05, 0.25],
  registers: [reg],
});
const childC = promCounter.labels('http', 'announce', 'ok');
const childH = promHistogram.labels('http', 'announce');

const rows: [string, number][] = [
  ['metrics off (NULL_OBSERVER)', time(observerLoop(NULL_OBSERVER))],
  ['counters only (metrics.histogram: false)', time(observerLoop(countersOnly.observer))],
  ['counters + histogram (default)', time(observerLoop(withHistogram.observer))],
  [
    'worker slots in a SharedArrayBuffer, + histogram',
    time(observerLoop(new RequestSlots(true, new SharedArrayBuffer(REQUEST_SLOTS_BYTES)))),
  ],
  [
    'prom-client labelled children (for comparison)',
    time((n) => {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        childC.inc();
        childH.observe((performance.now() - start) / 1000);
      }
    }),
  ],
];
for (const [what, ns] of rows) console.log(`${what.padEnd(48)} ${ns.toFixed(1).padStart(7)} ns/request`);

// Heap allocated per request by a worker's observer (expected 0; GC noise shows as a few bytes).
const shared = new RequestSlots(true, new SharedArrayBuffer(REQUEST_SLOTS_BYTES));
const loop = observerLoop(shared);
loop(100_000);
const heapBefore = process.memoryUsage().heapUsed;
loop(N);
const perRequest = (process.memoryUsage().heapUsed - heapBefore) / N;
console.log(`${'worker slots: heap growth'.padEnd(48)} ${perRequest.toFixed(3).padStart(7)} bytes/request`);
withHistogram.close();
countersOnly.close();
