// Wires the tracker together for one process: store → tracker → servers, plus the
// periodic jobs. The CLI's `run` starts it and stops it on signals; tests start it on
// ephemeral ports. Everything it needs comes in through Config.

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/types.ts';
import { createHttpServer } from './server/http.ts';
import { MemoryStore } from './swarm/memory-store.ts';
import type { SwarmStore } from './swarm/store.ts';
import { Sweeper } from './swarm/sweeper.ts';
import { Tracker } from './tracker/tracker.ts';

export interface Service {
  readonly config: Config;
  readonly store: SwarmStore;
  readonly tracker: Tracker;
  readonly http: FastifyInstance | undefined;
  /** Bound HTTP port (useful with port 0 in tests), or 0 when HTTP is off. */
  readonly httpPort: number;
  /** Stop taking requests, then stop background jobs. */
  close(): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<Service> {
  const store = new MemoryStore({
    maxTorrents: config.db.maxTorrents,
    maxPeersPerTorrent: config.db.maxPeersPerTorrent,
  });
  const tracker = new Tracker(store, { announce: config.announce, numwant: config.numwant });
  const sweeper = new Sweeper(store, { every: config.db.trim, expiry: config.db.expiry });
  sweeper.start();

  let http: FastifyInstance | undefined;
  let httpPort = 0;
  if (config.http.enabled) {
    http = await createHttpServer({
      tracker,
      logger,
      trustProxy: config.http.trustProxy,
      numwantLimit: config.numwant.limit,
      maxScrapeHashes: config.scrape.maxHashes,
    });
    await http.listen({ host: config.http.ip, port: config.http.port });
    httpPort = (http.server.address() as AddressInfo).port;
    logger.info({ ip: config.http.ip, port: httpPort }, 'http tracker listening');
  }

  return {
    config,
    store,
    tracker,
    http,
    httpPort,
    async close() {
      if (http) await http.close();
      sweeper.stop();
    },
  };
}
