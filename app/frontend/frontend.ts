// A frontend speaks one tracker protocol on its own listener: it parses requests into
// the shared types (app/bittorrent/), asks the tracker, and writes the replies in its
// own format. service.ts starts the configured ones (frontends.ts) and closes them in
// reverse order; no frontend knows of another.

import type { Logger } from 'pino';
import type { RequestObserver } from '../bittorrent/observer.ts';
import type { Config } from '../config/types.ts';
import type { MetricsEndpoint } from '../metrics/metrics-endpoint.ts';
import type { Tracker } from '../tracker/tracker.ts';
import type { HttpServers } from './http-servers.ts';
import type { WsHub } from './ws/hub.ts';
import type { WsObserver } from './ws/options.ts';

export interface FrontendContext {
  readonly tracker: Tracker;
  readonly config: Config;
  readonly logger: Logger;
  /** Where requests are reported; NULL_OBSERVER when metrics are off. */
  readonly observer: RequestObserver;
  /** /metrics and /stats, for a frontend that serves them (the HTTP one, when metrics.port is 0). */
  readonly metrics: MetricsEndpoint | undefined;
  /** Where the WebSocket frontend reports; undefined when metrics are off. */
  readonly ws: WsObserver | undefined;
  /**
   * Bind with SO_REUSEPORT: each worker thread has its own listener on the same port and
   * the kernel spreads clients over them.
   */
  readonly reusePort: boolean;
  /** The node:http servers of the tracker port, for frontends sharing it (WebSocket). */
  readonly httpServers: HttpServers;
  /** With worker threads, the relay to the main thread's WebRTC swarms; absent, they are local. */
  readonly wsHub?: WsHub;
}

export interface Frontend {
  /**
   * Its label in logs and metrics: one of PROTOCOLS (bittorrent/observer.ts), or `ws`,
   * which keeps its own metrics (metrics/ws-metrics.ts).
   */
  readonly name: string;
  /** The bound port once started (tests listen on port 0). */
  readonly port: number;
  /** Bind and serve; rejects (with nothing left listening) when it cannot. */
  start(context: FrontendContext): Promise<void>;
  /** Stop taking requests and release the listener; safe to call more than once. */
  close(): Promise<void>;
}
