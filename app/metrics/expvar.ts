// GET /stats: an expvar-style JSON document (what Go's expvar package serves, and what
// trakx served at this path) for netdata's go_expvar collector. go_expvar refuses a
// document without a `memstats` object, so Go's runtime.MemStats fields are filled with
// the nearest figures Node has (the README's Monitoring section has the mapping), and the
// tracker's own variables follow under Go trakx's names.
//
// Request and error variables are cumulative counts since start (netdata charts them with
// the `incremental` algorithm, i.e. per second); database variables are current totals.

import { getHeapStatistics } from 'node:v8';
import {
  REQ_ANNOUNCE,
  REQ_CONNECT,
  REQ_SCRAPE,
  RESULT_CLIENT_ERROR,
  RESULT_SERVER_ERROR,
} from '../bittorrent/observer.ts';
import { FAST } from '../runtime/fast.ts';
import type { StoreAdmin } from '../swarm/store.ts';
import type { GcPauses } from './gc-pauses.ts';
import type { RequestSlots } from './request-slots.ts';
import type { WorkerFigures } from './worker-metrics.ts';

export interface ExpvarSources {
  store: StoreAdmin;
  requests: RequestSlots;
  gc: GcPauses;
  /** performance.now() when the service started. */
  startedAt: number;
  workers: WorkerFigures;
}

export function expvar(src: ExpvarSources): Record<string, unknown> {
  const mem = process.memoryUsage();
  const heap = getHeapStatistics();
  const t = src.store.totals();
  const gc = src.gc;
  // The tracker's own live objects stand in for Go's live heap objects (Mallocs − Frees).
  const objects = t.torrents + t.peers4 + t.peers6;
  const memstats = {
    Alloc: mem.heapUsed,
    Sys: mem.rss,
    Mallocs: objects,
    Frees: 0,
    HeapAlloc: mem.heapUsed,
    HeapSys: mem.heapTotal,
    HeapInuse: mem.heapTotal,
    HeapIdle: 0,
    HeapObjects: objects,
    // Node reports no stack figure: this is resident memory outside the JS heap and the
    // buffers (native stacks, compiled code, libuv, the allocator), never below zero.
    StackInuse: Math.max(0, mem.rss - mem.heapTotal - mem.external),
    StackSys: Math.max(0, mem.rss - mem.heapTotal - mem.external),
    // V8's own bookkeeping allocated with malloc, the analogue of Go's span metadata.
    MSpanInuse: heap.malloced_memory,
    // Memory held outside the heap for JS objects: Buffers and the typed arrays of the
    // peer store.
    MCacheInuse: mem.external,
    NextGC: heap.heap_size_limit,
    LastGC: gc.lastGC,
    PauseTotalNs: gc.pauseTotalNs,
    PauseNs: Array.from(gc.pauseNs),
    PauseEnd: Array.from(gc.pauseEnd),
    NumGC: gc.numGC,
    NumForcedGC: 0,
    EnableGC: true,
    DebugGC: false,
  };
  const r = src.requests;
  const out: Record<string, unknown> = {
    cmdline: process.argv,
    memstats,
    'trakx.requests.hits': r.total(-1),
    'trakx.requests.connects': r.total(REQ_CONNECT),
    'trakx.requests.announces': r.total(REQ_ANNOUNCE),
    'trakx.requests.scrapes': r.total(REQ_SCRAPE),
    'trakx.errors.client': r.total(-1, RESULT_CLIENT_ERROR),
    'trakx.errors.server': r.total(-1, RESULT_SERVER_ERROR),
    'trakx.database.peers': t.peers4 + t.peers6,
    'trakx.database.hashes': t.torrents,
    'trakx.internal.uptime': Math.floor((performance.now() - src.startedAt) / 1000),
    // `trakx status` compares the two: a worker being replaced is missing from live.
    'trakx.workers.live': src.workers.live(),
    'trakx.workers.configured': src.workers.configured,
  };
  if (!FAST) {
    const ips = src.store.uniqueAddresses();
    out['trakx.database.seeds'] = t.seeders4 + t.seeders6;
    out['trakx.database.leeches'] = t.leechers4 + t.leechers6;
    out['trakx.database.ips'] = ips.v4 + ips.v6;
  }
  return out;
}
