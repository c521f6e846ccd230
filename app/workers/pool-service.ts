// The tracker with `workers` above 1: the main thread owns the shared swarm store (created
// here, restored from the snapshot, swept, saved as one file), the info_hash lists' watch
// and purge, the metrics registry and its listener, and the WorkerPool whose threads serve
// the tracker ports. It offers the same Service as the single-thread path.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config, LogLevel } from '../config/types.ts';
import { wsConfigOptions } from '../frontend/ws/frontend.ts';
import { RtcHub } from '../frontend/ws/hub.ts';
import { wsOptions } from '../frontend/ws/options.ts';
import { Metrics } from '../metrics/metrics.ts';
import { serveMetrics } from '../metrics/metrics-server.ts';
import { Running } from '../runtime/running.ts';
import type { Service } from '../service-api.ts';
import { createSharedStore } from '../swarm/shared/shared-store.ts';
import { tableBytes } from '../tracker/rate-limit.ts';
import { Tracker } from '../tracker/tracker.ts';
import { openLists, purgeOnListChange, reloadLists, startUpkeep } from '../upkeep.ts';
import { WorkerPool } from './pool.ts';
import { claimTcpPort, claimUdpPort } from './ports.ts';
import { WorkerWsHub } from './ws-hub.ts';

export async function startPoolService(config: Config, logger: Logger): Promise<Service> {
  const lists = openLists(config, logger);
  const { deny, allow } = lists;
  const store = createSharedStore({
    maxTorrents: config.db.maxTorrents,
    maxPeersPerTorrent: config.db.maxPeersPerTorrent,
    maxPeersPerIp: config.limits.peersPerIp,
  });
  const pool = { current: undefined as WorkerPool | undefined };
  // One set of WebRTC swarms for every worker's WebSocket connections.
  const rtc =
    config.ws.enabled && config.http.enabled
      ? new WorkerWsHub(new RtcHub(wsOptions(wsConfigOptions(config))), (i, msg) =>
          pool.current?.worker(i)?.postMessage(msg),
        )
      : null;
  const metrics = config.metrics.enabled
    ? new Metrics({
        store,
        histogram: config.metrics.histogram,
        workers: {
          slots: () => pool.current?.slots ?? [],
          live: () => pool.current?.live ?? 0,
          configured: config.workers,
        },
        lock: () => store.lockStats(),
        wsPeers: rtc === null ? undefined : () => rtc.hub.swarms.peers,
      })
    : undefined;
  const upkeep = startUpkeep(store, config, logger, metrics);
  // The main thread's tracker serves nothing: it applies the lists to the store (purge).
  const tracker = new Tracker(store, { announce: config.announce, numwant: config.numwant, deny, allow });

  // One connection-id key for every worker, so an id issued by one is valid on all.
  const secret = config.udp.connections.secret || randomBytes(16).toString('hex');
  const workerConfig: Config = {
    ...config,
    // The workers log as the main thread's logger does (tests pass a silent one).
    loglevel: logger.level as LogLevel,
    http: { ...config.http },
    udp: { ...config.udp, connections: { ...config.udp.connections, secret } },
  };
  const workers = new WorkerPool({
    count: config.workers,
    config: workerConfig,
    store,
    logger,
    ws: rtc,
    rate:
      config.limits.announceRate > 0 ? new SharedArrayBuffer(tableBytes(config.limits.rateTableSize)) : null,
    metrics: metrics
      ? (what) =>
          what === 'prometheus' ? metrics.prometheus() : metrics.stats().then((s) => JSON.stringify(s))
      : null,
  });
  pool.current = workers;

  // A list change reaches every worker first, then the store forgets what it now refuses.
  purgeOnListChange(lists, tracker, config, logger, () => workers.reloadLists());

  const running = new Running();
  running.add(() => upkeep.stop());
  running.add(() => rtc?.close());
  running.add(() => metrics?.close());
  running.add(() => deny?.close());
  running.add(() => allow?.close());
  let metricsPort = 0;
  try {
    if (config.http.enabled) workerConfig.http.port = await claimTcpPort(config.http.ip, config.http.port);
    if (config.udp.enabled) workerConfig.udp.port = await claimUdpPort(config.udp.ip, config.udp.port);
    await workers.start();
    running.add(() => workers.stop());
    metricsPort = await serveMetrics(metrics, config, logger, workers.httpPort, running, () => null);
  } catch (err) {
    await running.stopAll();
    throw err;
  }
  logger.info({ workers: config.workers }, 'worker threads serving');

  return {
    config,
    store,
    tracker,
    frontends: [],
    httpPort: config.http.enabled ? workers.httpPort : 0,
    udpPort: config.udp.enabled ? workers.udpPort : 0,
    metrics,
    metricsPort,
    pool: workers,
    wsSwarms: rtc?.hub.swarms,
    save: () => upkeep.save(),
    reloadLists: () => reloadLists(lists),
    async close() {
      // The workers' listeners first, then the jobs, then the final snapshot.
      await running.stopAll();
      await upkeep.finalSave();
    },
  };
}
