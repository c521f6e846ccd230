// One worker of bench/store-bench.ts: attaches to the shared store, waits for the start
// word, then announces for a fixed time (bounded in count too) and reports its figures.

import { parentPort, workerData } from 'node:worker_threads';
import {
  attachSharedStore,
  type LockStats,
  type SharedStoreHandle,
} from '../app/swarm/shared/shared-store.ts';
import { AnnounceLoad, threadCpuNs } from './store-load.ts';

export interface StoreWorkerInput {
  handle: SharedStoreHandle;
  owner: number;
  go: SharedArrayBuffer;
  torrents: number;
  peers: number;
  seconds: number;
  maxOps: number;
  /** spin() rounds after each announce (work outside the lock). */
  outside: number;
}

export interface StoreWorkerResult {
  ops: number;
  wallNs: number;
  cpuNs: number;
  lock: LockStats;
}

const BATCH = 4096;

const input = workerData as StoreWorkerInput;
const store = attachSharedStore(input.handle, input.owner);
const load = new AnnounceLoad(store, input.torrents, input.peers, input.owner * 7919);
const go = new Int32Array(input.go);
parentPort!.postMessage('ready');
while (Atomics.load(go, 0) === 0) Atomics.wait(go, 0, 0, 100);
const before = store.lockStats();
const cpu0 = threadCpuNs();
const t0 = performance.now();
const until = t0 + input.seconds * 1000;
let ops = 0;
while (ops < input.maxOps && performance.now() < until) {
  load.run(BATCH, input.outside);
  ops += BATCH;
}
const wallNs = (performance.now() - t0) * 1e6;
const after = store.lockStats();
const result: StoreWorkerResult = {
  ops,
  wallNs,
  cpuNs: threadCpuNs() - cpu0,
  lock: {
    acquires: after.acquires - before.acquires,
    contended: after.contended - before.contended,
    waitNs: after.waitNs - before.waitNs,
    heldNs: after.heldNs - before.heldNs,
  },
};
parentPort!.postMessage(result);
