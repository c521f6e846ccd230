// Wires the tracker together for one process: store → tracker → servers, plus the
// periodic jobs. The CLI's `run` starts it and stops it on signals; tests start it on
// ephemeral ports. Everything it needs comes in through Config.

import type { Logger } from 'pino';
import { NULL_OBSERVER } from './bittorrent/observer.ts';
import { ConfigError } from './config/load.ts';
import type { Config } from './config/types.ts';
import type { Frontend } from './frontend/frontend.ts';
import { configuredFrontends } from './frontend/frontends.ts';
import { HttpServers } from './frontend/http-servers.ts';
import { Metrics } from './metrics/metrics.ts';
import { startMetricsServer } from './metrics/metrics-server.ts';
import { openStore } from './open-store.ts';
import { restoreSnapshot } from './persist/restore.ts';
import { type SaveResult, SnapshotSaver } from './persist/saver.ts';
import { CoarseClock } from './runtime/clock.ts';
import type { LocalStore, StoreAdmin, SwarmStore } from './swarm/store.ts';
import { Sweeper } from './swarm/sweeper.ts';
import { ListFile } from './tracker/infohash-list.ts';
import { RateLimiter } from './tracker/rate-limit.ts';
import { Tracker } from './tracker/tracker.ts';

export interface Service {
  readonly config: Config;
  readonly store: SwarmStore & StoreAdmin;
  readonly tracker: Tracker;
  /** The started frontends, in start order. */
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
}

/** A configured info_hash list file; one that cannot be used stops start-up like bad config. */
function openList(key: string, path: string, role: string, logger: Logger): ListFile | null {
  if (path === '') return null;
  try {
    return new ListFile(path, role, logger);
  } catch (err) {
    throw new ConfigError(key, (err as Error).message);
  }
}

export interface ServiceParts {
  /**
   * The peer store, instead of the in-memory one the config describes (tests). Snapshots
   * are restored and saved only for a store that answers at once.
   */
  store?: SwarmStore & StoreAdmin;
}

export async function startService(
  config: Config,
  logger: Logger,
  parts: ServiceParts = {},
): Promise<Service> {
  // Abuse limits (README "Running in public"); lists first, so a bad file fails fast.
  const limits = config.limits;
  const deny = openList('limits.denylist', limits.denylist, 'deny', logger);
  const allow = openList('limits.allowlist', limits.allowlist, 'allow', logger);
  const rate =
    limits.announceRate > 0
      ? new RateLimiter({
          rate: limits.announceRate,
          burst: limits.announceBurst > 0 ? limits.announceBurst : Math.max(1, 2 * limits.announceRate),
          slots: limits.rateTableSize,
        })
      : null;
  const clock = new CoarseClock();
  let opened: ReturnType<typeof openStore> | null = null;
  try {
    if (!parts.store) opened = openStore(config, clock.now, logger);
  } catch (err) {
    clock.stop();
    throw err;
  }
  const store: SwarmStore & StoreAdmin = parts.store ?? opened!.store;
  const metrics = config.metrics.enabled
    ? new Metrics({ store, histogram: config.metrics.histogram })
    : undefined;
  if (opened?.redis && metrics) opened.redis.monitor = metrics.storeMonitor();
  // Restore before listening, so the first announces already see the old swarms.
  let saver: SnapshotSaver | undefined;
  if (config.db.backup.path !== '' && isLocal(store)) {
    const restored = restoreSnapshot(store, {
      path: config.db.backup.path,
      expiry: config.db.expiry,
      logger,
    });
    if (restored.outcome !== 'unreadable')
      saver = new SnapshotSaver(store, { path: config.db.backup.path, logger });
  }
  const tracker = new Tracker(store, {
    now: clock.now,
    announce: config.announce,
    numwant: config.numwant,
    deny,
    allow,
    rate,
    limits: metrics?.observer,
  });
  // A snapshot may hold torrents the lists refuse now; so may the store after a reload.
  const purge = () => {
    const dropped = tracker.purgeRefused();
    if (dropped > 0) logger.info({ torrents: dropped }, 'dropped torrents refused by the info_hash lists');
  };
  purge();
  for (const list of [deny, allow]) {
    if (list === null) continue;
    list.onChange = purge;
    if (limits.listPoll > 0) list.watch(limits.listPoll * 1000);
  }
  const sweeper = new Sweeper(store, { every: config.db.trim, expiry: config.db.expiry });
  sweeper.start();

  // What is running, in start order; stopped in reverse, on close or on a failed start.
  const running: (() => unknown)[] = [
    () => opened?.close(),
    () => clock.stop(),
    () => sweeper.stop(),
    () => metrics?.close(),
    () => deny?.close(),
    () => allow?.close(),
  ];
  const stopAll = async () => {
    for (const stop of running.splice(0).reverse()) await stop();
  };

  const frontends = configuredFrontends(config);
  const portOf = (name: string): number => frontends.find((f) => f.name === name)?.port ?? 0;
  let metricsPort = 0;
  try {
    const context = {
      tracker,
      config,
      logger,
      observer: metrics?.observer ?? NULL_OBSERVER,
      metrics,
      httpServers: new HttpServers(),
    };
    for (const frontend of frontends) {
      running.push(() => frontend.close());
      await frontend.start(context);
    }
    // /metrics and /stats on their own listener, so the tracker port need not expose them.
    if (metrics && config.metrics.port > 0) {
      const server = await startMetricsServer(metrics, {
        ip: config.metrics.ip,
        port: config.metrics.port,
        logger,
        degraded: () => tracker.degraded(),
      });
      running.push(() => server.app.close());
      metricsPort = server.port;
      logger.info({ ip: config.metrics.ip, port: metricsPort }, 'metrics listening');
    } else if (metrics && config.http.enabled) {
      metricsPort = portOf('http');
    } else if (metrics) {
      logger.warn('metrics.port is 0 and the HTTP tracker is off: /metrics and /stats are not served');
    }
  } catch (err) {
    // e.g. a port is taken: leave nothing listening and no timer running.
    await stopAll();
    throw err;
  }

  // Every save goes through here, so the snapshot gauges see it.
  const saveSnapshot = async (s: SnapshotSaver): Promise<SaveResult> => {
    const result = await s.save();
    metrics?.snapshotSaved(result.ms / 1000, result.bytes);
    return result;
  };

  let backupTimer: NodeJS.Timeout | undefined;
  if (saver && config.db.backup.interval > 0) {
    const periodic = saver;
    backupTimer = setInterval(() => {
      saveSnapshot(periodic).catch((err) => logger.error({ err }, 'periodic snapshot failed'));
    }, config.db.backup.interval * 1000);
    backupTimer.unref();
  }

  return {
    config,
    store,
    tracker,
    frontends,
    httpPort: portOf('http'),
    udpPort: portOf('udp'),
    metrics,
    metricsPort,
    save() {
      return saver ? saveSnapshot(saver) : Promise.resolve(null);
    },
    reloadLists() {
      let ok = true;
      for (const list of [deny, allow]) if (list !== null && !list.reload()) ok = false;
      return ok;
    },
    async close() {
      if (backupTimer) clearInterval(backupTimer);
      // Listeners first (reverse start order), then the timers and lists.
      await stopAll();
      // Last, once no listener takes requests: every peer announced before is in it.
      if (saver) await saveSnapshot(saver);
    },
  };
}

function isLocal(store: SwarmStore & StoreAdmin): store is LocalStore {
  return !store.answersLater;
}
