// The main thread's supervisor of the worker threads. The first worker binds the
// configured ports (port 0 in tests: the kernel picks) and reports them; the others then
// bind those same ports with reusePort. A worker that dies (an exception, or terminate())
// is logged, its store owner id is recovered (a lock it held is released, see
// swarm/shared/) and it is replaced under a fresh owner id while the others keep serving;
// replacements of one that keeps dying young back off exponentially, so a crash loop
// cannot spin.

import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../config/types.ts';
import { REQUEST_SLOTS_BYTES, RequestSlots } from '../metrics/request-slots.ts';
import { MAIN_OWNER, type SharedStore } from '../swarm/shared/shared-store.ts';
import { workerEntry } from './entry.ts';
import type { FromWorker, ToWorker, WorkerData } from './messages.ts';
import type { WorkerWsHub } from './ws-hub.ts';

export interface PoolOptions {
  count: number;
  /** The workers' config: the connection-id secret filled in, ports as configured. */
  config: Config;
  store: SharedStore;
  logger: Logger;
  /** The shared rate-limit table, or null when the rate limit is off. */
  rate: SharedArrayBuffer | null;
  /** The main thread's WebRTC hub for the workers' WebSocket connections, or null (ws off). */
  ws: WorkerWsHub | null;
  /** Answer a worker's /metrics or /stats request with the main registry's text. */
  metrics: ((what: 'prometheus' | 'stats') => Promise<string>) | null;
}

/** A worker that lived this long before dying is replaced at once, its back-off forgotten. */
const HEALTHY_MS = 60_000;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 30_000;
/** How long a worker gets to close its listeners before it is terminated. */
const CLOSE_MS = 5000;
/** How long a list reload waits for the workers' acknowledgements. */
const RELOAD_MS = 5000;

export class WorkerPool {
  /** Each index's request slots, kept across replacements (so its counters never go back). */
  readonly slots: readonly RequestSlots[];
  /** Workers serving now. */
  live = 0;
  /** Workers replaced since start. */
  replaced = 0;
  /** The ports the workers serve (known once start() resolved). */
  httpPort = 0;
  udpPort = 0;
  private readonly workers: (Worker | null)[];
  private readonly buffers: (SharedArrayBuffer | null)[];
  private readonly failures: number[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly acks = new Map<number, () => void>();
  private nextOwner = MAIN_OWNER + 1;
  private nextId = 0;
  private stopping = false;

  constructor(private readonly opts: PoolOptions) {
    const n = opts.count;
    this.workers = new Array(n).fill(null);
    this.failures = new Array(n).fill(0);
    const withMetrics = opts.config.metrics.enabled;
    this.buffers = Array.from({ length: n }, () =>
      withMetrics ? new SharedArrayBuffer(REQUEST_SLOTS_BYTES) : null,
    );
    this.slots = this.buffers.map((b) => new RequestSlots(opts.config.metrics.histogram, b ?? undefined));
  }

  /** Start every worker; rejects (with every started one stopped) when one cannot serve. */
  async start(): Promise<void> {
    try {
      await this.spawn(0);
      await Promise.all(this.workers.slice(1).map((_, i) => this.spawn(i + 1)));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** The worker thread at `index` now (tests terminate it), or undefined between lives. */
  worker(index: number): Worker | undefined {
    return this.workers[index] ?? undefined;
  }

  /** Every live worker re-reads its info_hash lists; resolves once all have (or a timeout). */
  reloadLists(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const w of this.workers) {
      if (w === null) continue;
      const id = this.nextId++;
      waits.push(
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => this.acked(id), RELOAD_MS).unref();
          this.acks.set(id, () => {
            clearTimeout(timer);
            resolve();
          });
        }),
      );
      post(w, { type: 'reloadLists', id });
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** Close every worker's listeners, then end the threads; no worker is replaced any more. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.workers.map((w) => (w === null ? undefined : closeWorker(w))));
  }

  private acked(id: number): void {
    this.acks.get(id)?.();
    this.acks.delete(id);
  }

  private workerConfig(index: number): Config {
    const config = this.opts.config;
    if (index === 0 && this.httpPort === 0 && this.udpPort === 0) return config;
    return {
      ...config,
      http: { ...config.http, port: this.httpPort || config.http.port },
      udp: { ...config.udp, port: this.udpPort || config.udp.port },
    };
  }

  /** Start the worker of `index`; resolves once it serves, rejects if it dies first. */
  private spawn(index: number): Promise<void> {
    const { logger, store } = this.opts;
    const owner = this.nextOwner++;
    const data: WorkerData = {
      trakxWorker: true,
      config: this.workerConfig(index),
      index,
      owner,
      store: store.handle,
      slots: this.buffers[index],
      rate: this.opts.rate,
    };
    const worker = new Worker(workerEntry(), { workerData: data });
    this.workers[index] = worker;
    const born = performance.now();
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let failure: Error | undefined;
      worker.on('message', (msg: FromWorker) => {
        if (msg.type === 'ws') {
          if (this.workers[index] === worker) this.opts.ws?.handle(index, msg);
        } else if (msg.type === 'ready') {
          ready = true;
          this.live++;
          if (this.httpPort === 0) this.httpPort = msg.http;
          if (this.udpPort === 0) this.udpPort = msg.udp;
          resolve();
        } else if (msg.type === 'failed') {
          failure = Object.assign(new Error(msg.message), { code: msg.code });
        } else if (msg.type === 'listsReloaded') {
          this.acked(msg.id);
        } else if (msg.type === 'metrics') {
          this.answerMetrics(worker, msg.id, msg.what);
        }
      });
      worker.on('error', (err) => {
        failure ??= err;
        logger.error({ err, worker: index }, 'worker thread failed');
      });
      worker.on('exit', (code) => {
        if (this.workers[index] === worker) this.workers[index] = null;
        // Its WebSocket connections closed with it: their WebRTC peers leave the swarms.
        this.opts.ws?.dropWorker(index);
        // Whatever it held of the store (a lock mid-announce) is released for the others.
        store.recover(owner);
        if (!ready) {
          reject(failure ?? new Error(`worker ${index} exited with code ${code} before serving`));
          return;
        }
        this.live--;
        if (this.stopping) return;
        logger.error({ worker: index, code, owner }, 'worker thread exited; replacing it');
        this.replace(index, performance.now() - born);
      });
    });
  }

  private replace(index: number, livedMs: number): void {
    if (livedMs >= HEALTHY_MS) this.failures[index] = 0;
    const n = this.failures[index]++;
    const delay = n === 0 ? 0 : Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (n - 1));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopping) return;
      this.replaced++;
      this.spawn(index).catch((err) => {
        this.opts.logger.error({ err, worker: index }, 'worker thread could not be replaced; retrying');
        if (!this.stopping) this.replace(index, 0);
      });
    }, delay);
    this.timers.add(timer);
  }

  private answerMetrics(worker: Worker, id: number, what: 'prometheus' | 'stats'): void {
    const answer = this.opts.metrics;
    const reply = answer === null ? Promise.resolve('') : answer(what);
    reply.then(
      (text) => post(worker, { type: 'metrics', id, text }),
      (err) => {
        this.opts.logger.error({ err }, 'metrics for a worker failed');
        post(worker, { type: 'metrics', id, text: '' });
      },
    );
  }
}

function post(worker: Worker, msg: ToWorker): void {
  worker.postMessage(msg);
}

/** Ask the worker to close its listeners, then terminate it (at once if it is stuck). */
function closeWorker(worker: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    const end = () => {
      clearTimeout(timer);
      worker.terminate().then(
        () => resolve(),
        () => resolve(),
      );
    };
    const timer = setTimeout(end, CLOSE_MS);
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'closed') end();
    });
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    post(worker, { type: 'close' });
  });
}
