// What a running tracker offers the CLI and the tests, whether one thread serves or
// worker threads do (service.ts starts either).

import type { Config } from './config/types.ts';
import type { Frontend } from './frontend/frontend.ts';
import type { RtcSwarms } from './frontend/ws/swarms.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { SaveResult } from './persist/saver.ts';
import type { StoreAdmin, SwarmStore } from './swarm/store.ts';
import type { Tracker } from './tracker/tracker.ts';
import type { WorkerPool } from './workers/pool.ts';

export interface Service {
  readonly config: Config;
  readonly store: SwarmStore & StoreAdmin;
  readonly tracker: Tracker;
  /** The started frontends, in start order (none on the main thread of worker threads). */
  readonly frontends: readonly Frontend[];
  /** Bound HTTP port (useful with port 0 in tests), or 0 when HTTP is off. */
  readonly httpPort: number;
  /** Bound UDP port, or 0 when the UDP tracker is off. */
  readonly udpPort: number;
  /** The metrics (config `metrics.enabled`), or undefined when off. */
  readonly metrics: Metrics | undefined;
  /** Port serving /metrics and /stats: the separate listener's, httpPort, or 0 when none does. */
  readonly metricsPort: number;
  /**
   * Save the swarms now (SIGUSR1, tests); resolves once the snapshot is on disk, or with
   * null when persistence is off (`db.backup.path` empty, or a bad file could not be moved).
   */
  save(): Promise<SaveResult | null>;
  /**
   * Re-read the deny/allow list files (SIGHUP) and drop torrents they no longer admit.
   * A file that cannot be read or parsed keeps its previous list (and is logged).
   * Returns false when a configured list failed to reload.
   */
  reloadLists(): boolean;
  /** Stop taking requests, then stop background jobs, then save a final snapshot. */
  close(): Promise<void>;
  /** With worker threads and `ws.enabled`, the main thread's WebRTC swarms (one for all workers). */
  readonly wsSwarms?: RtcSwarms;
  /** The worker threads (config `workers` above 1), or undefined for a single thread. */
  readonly pool: WorkerPool | undefined;
}
