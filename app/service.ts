// Wires the tracker together for one process: store → tracker → servers, plus the
// periodic jobs. The CLI's `run` starts it and stops it on signals; tests start it on
// ephemeral ports. Everything it needs comes in through Config. With `workers` above 1
// the listeners run in worker threads over a shared store (app/workers/); this file keeps
// the single-thread path.

import type { Logger } from 'pino';
import { NULL_OBSERVER } from './bittorrent/observer.ts';
import type { Config } from './config/types.ts';
import { configuredFrontends } from './frontend/frontends.ts';
import { HttpServers } from './frontend/http-servers.ts';
import { Metrics } from './metrics/metrics.ts';
import { serveMetrics } from './metrics/metrics-server.ts';
import { CoarseClock } from './runtime/clock.ts';
import { Running } from './runtime/running.ts';
import type { Service } from './service-api.ts';
import { MemoryStore } from './swarm/memory-store.ts';
import type { StoreAdmin, SwarmStore } from './swarm/store.ts';
import { Tracker } from './tracker/tracker.ts';
import { openLists, purgeOnListChange, rateLimiter, reloadLists, startUpkeep } from './upkeep.ts';
import { startPoolService } from './workers/pool-service.ts';

export type { Service } from './service-api.ts';

export interface ServiceParts {
  /**
   * The peer store, instead of the in-memory one the config describes (tests). Snapshots
   * are restored and saved only for a store that answers at once; it is served by one thread.
   */
  store?: SwarmStore & StoreAdmin;
}

export async function startService(
  config: Config,
  logger: Logger,
  parts: ServiceParts = {},
): Promise<Service> {
  if (config.workers > 1 && parts.store === undefined) return startPoolService(config, logger);
  // Abuse limits (README "Running in public"); lists first, so a bad file fails fast.
  const lists = openLists(config, logger);
  const { deny, allow } = lists;
  const store: SwarmStore & StoreAdmin =
    parts.store ??
    new MemoryStore({
      maxTorrents: config.db.maxTorrents,
      maxPeersPerTorrent: config.db.maxPeersPerTorrent,
      maxPeersPerIp: config.limits.peersPerIp,
    });
  const metrics = config.metrics.enabled
    ? new Metrics({ store, histogram: config.metrics.histogram })
    : undefined;
  const upkeep = startUpkeep(store, config, logger, metrics);
  const clock = new CoarseClock();
  const tracker = new Tracker(store, {
    now: clock.now,
    announce: config.announce,
    numwant: config.numwant,
    deny,
    allow,
    rate: rateLimiter(config.limits),
    limits: metrics?.observer,
  });
  // A snapshot may hold torrents the lists refuse now; so may the store after a reload.
  purgeOnListChange(lists, tracker, config, logger);

  // What is running, in start order; stopped in reverse, on close or on a failed start.
  const running = new Running();
  running.add(() => clock.stop());
  running.add(() => upkeep.stop());
  running.add(() => metrics?.close());
  running.add(() => deny?.close());
  running.add(() => allow?.close());

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
      ws: metrics?.ws,
      reusePort: false,
      httpServers: new HttpServers(),
    };
    for (const frontend of frontends) {
      running.add(() => frontend.close());
      await frontend.start(context);
    }
    metricsPort = await serveMetrics(metrics, config, logger, portOf('http'), running);
  } catch (err) {
    // e.g. a port is taken: leave nothing listening and no timer running.
    await running.stopAll();
    throw err;
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
    pool: undefined,
    save: () => upkeep.save(),
    reloadLists: () => reloadLists(lists),
    async close() {
      // Listeners first (reverse start order), then the timers and lists.
      await running.stopAll();
      // Last, once no listener takes requests: every peer announced before is in it.
      await upkeep.finalSave();
    },
  };
}
