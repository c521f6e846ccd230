// What the main thread and its worker threads tell each other. Everything here is
// structured-cloneable: it crosses as workerData or through postMessage.

import type { Config } from '../config/types.ts';
import type { SharedStoreHandle } from '../swarm/shared/shared-store.ts';

export interface WorkerData {
  /** Marks a trakx worker (the bundle's entry is also the worker's). */
  readonly trakxWorker: true;
  /** The config, with the ports to bind and the connection-id secret filled in. */
  readonly config: Config;
  /** 0..workers-1: the label of its metrics; a replacement keeps its predecessor's. */
  readonly index: number;
  /** The store's lock owner id: unique over the process's life (never reused). */
  readonly owner: number;
  readonly store: SharedStoreHandle;
  /** This index's request slots (metrics/request-slots.ts), or null when metrics are off. */
  readonly slots: SharedArrayBuffer | null;
  /** The tracker's rate-limit table, or null when the rate limit is off. */
  readonly rate: SharedArrayBuffer | null;
}

/** Worker → main. */
export type FromWorker =
  | { type: 'ready'; http: number; udp: number }
  | { type: 'failed'; message: string; code: string | undefined }
  | { type: 'listsReloaded'; id: number }
  | { type: 'metrics'; id: number; what: 'prometheus' | 'stats' }
  | { type: 'closed' };

/** Main → worker. */
export type ToWorker =
  | { type: 'reloadLists'; id: number }
  | { type: 'metrics'; id: number; text: string }
  | { type: 'close' };
