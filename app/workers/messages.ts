// What the main thread and its worker threads tell each other. Everything here is
// structured-cloneable: it crosses as workerData or through postMessage.

import type { Config } from '../config/types.ts';
import type { WsAction, WsResult } from '../frontend/ws/options.ts';
import type { WsAnnounce, WsScrape } from '../frontend/ws/parse.ts';
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

/** A worker's WebSocket message for the main thread's WebRTC hub (ws-relay.ts). */
export type WsToHub =
  | { type: 'ws'; op: 'announce'; conn: number; req: WsAnnounce }
  | { type: 'ws'; op: 'scrape'; conn: number; req: WsScrape }
  | { type: 'ws'; op: 'drop'; conn: number; req: null };

/** Worker → main. */
export type FromWorker =
  | WsToHub
  | { type: 'ready'; http: number; udp: number }
  | { type: 'failed'; message: string; code: string | undefined }
  | { type: 'listsReloaded'; id: number }
  | { type: 'metrics'; id: number; what: 'prometheus' | 'stats' }
  | { type: 'closed' };

/** Main → worker. */
export type ToWorker =
  | { type: 'reloadLists'; id: number }
  | { type: 'metrics'; id: number; text: string }
  | { type: 'wsSend'; conn: number; text: string }
  | { type: 'wsDone'; action: WsAction; result: WsResult }
  | { type: 'close' };
