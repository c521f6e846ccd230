// The shared store without sockets: announces through one and two worker threads on one
// SharedStore (app/swarm/shared/), and one thread's cost per announce on the shared store
// against MemoryStore. Bounded in count and time.
//
//   node --import tsx bench/store-bench.ts [--torrents 1000000] [--peers 2] [--runs 3]
//        [--seconds 4] [--outside-us 9] [--write]
//
// Each thread announces back to back ("store only"), then again with --outside-us of
// busy work after each announce, outside the lock: what a UDP request costs besides the
// store on one core, so that lock contention is seen at a realistic duty cycle.
// --write puts the medians in bench/store-results.json and RESULTS.md.

import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MemoryStore, type MemoryStoreOptions } from '../app/swarm/memory-store.ts';
import { createSharedStore } from '../app/swarm/shared/shared-store.ts';
import type { LocalStore } from '../app/swarm/store.ts';
import { AnnounceLoad, spinRounds, threadCpuNs } from './store-load.ts';
import { type StoreResults, storeMarkdown, writeStoreResults } from './store-report.ts';
import type { StoreWorkerInput, StoreWorkerResult } from './store-worker.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));

interface Options {
  torrents: number;
  peers: number;
  runs: number;
  seconds: number;
  outsideUs: number;
  write: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { torrents: 1_000_000, peers: 2, runs: 3, seconds: 4, outsideUs: 9, write: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => Number(argv[++i]);
    if (a === '--torrents') o.torrents = num();
    else if (a === '--peers') o.peers = num();
    else if (a === '--runs') o.runs = num();
    else if (a === '--seconds') o.seconds = num();
    else if (a === '--outside-us') o.outsideUs = num();
    else if (a === '--write') o.write = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function limits(o: Options): MemoryStoreOptions {
  return { maxTorrents: o.torrents * 2, maxPeersPerTorrent: 1000 };
}

/** CPU nanoseconds per announce of this thread on `store`, after preloading it. */
function perAnnounce(store: LocalStore, o: Options): number {
  const load = new AnnounceLoad(store, o.torrents, o.peers, 12345);
  load.preload();
  const n = 2_000_000;
  load.run(n / 4);
  const t0 = threadCpuNs();
  load.run(n);
  return (threadCpuNs() - t0) / n;
}

async function threads(count: number, outside: number, o: Options): Promise<StoreWorkerResult[]> {
  const store = createSharedStore(limits(o));
  new AnnounceLoad(store, o.torrents, o.peers, 1).preload();
  const go = new SharedArrayBuffer(4);
  const workers = Array.from({ length: count }, (_, i) => {
    const input: StoreWorkerInput = {
      handle: store.handle,
      owner: 2 + i,
      go,
      torrents: o.torrents,
      peers: o.peers,
      seconds: o.seconds,
      maxOps: 50_000_000,
      outside,
    };
    return new Worker(new URL('./store-worker.ts', import.meta.url), { workerData: input });
  });
  const ready: Promise<void>[] = [];
  const done = workers.map((w) => {
    let isReady: () => void = () => {};
    ready.push(
      new Promise<void>((resolve) => {
        isReady = resolve;
      }),
    );
    return new Promise<StoreWorkerResult>((resolve, reject) => {
      w.on('message', (m: 'ready' | StoreWorkerResult) => (m === 'ready' ? isReady() : resolve(m)));
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`store worker exited ${code}`)));
    });
  });
  await Promise.all(ready);
  const word = new Int32Array(go);
  Atomics.store(word, 0, 1);
  Atomics.notify(word, 0);
  const results = await Promise.all(done);
  await Promise.all(workers.map((w) => w.terminate()));
  return results;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = new Date();
  const load0 = loadavg();
  const outside = spinRounds(o.outsideUs);
  const results: StoreResults = {
    date: started.toISOString(),
    node: process.version,
    torrents: o.torrents,
    peers: o.peers,
    seconds: o.seconds,
    outsideUs: o.outsideUs,
    loadStart: load0,
    loadEnd: [],
    runs: [],
  };
  for (let r = 0; r < o.runs; r++) {
    // Alternate which store goes first, so drift on a shared machine favours neither.
    const kinds = r % 2 === 0 ? (['memory', 'shared'] as const) : (['shared', 'memory'] as const);
    const single: Record<string, number> = {};
    for (const k of kinds)
      single[k] = perAnnounce(k === 'memory' ? new MemoryStore(limits(o)) : createSharedStore(limits(o)), o);
    const run = {
      memoryNs: single.memory,
      sharedNs: single.shared,
      storeOnly: { one: await threads(1, 0, o), two: await threads(2, 0, o) },
      withOutside: { one: await threads(1, outside, o), two: await threads(2, outside, o) },
    };
    results.runs.push(run);
    console.log(`run ${r + 1}/${o.runs}`, JSON.stringify(run));
  }
  results.loadEnd = loadavg();
  const md = storeMarkdown(results);
  console.log(md);
  if (o.write) writeStoreResults(benchDir, results, md, join(benchDir, 'RESULTS.md'));
}

await main();
