// The HTTP tracker as a Frontend: the Fastify app of server.ts on http.ip:http.port,
// with /metrics and /stats on it when they have no listener of their own.

import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyListenOptions } from 'fastify';
import { registerMetricsRoutes } from '../../metrics/routes.ts';
import type { Frontend, FrontendContext } from '../frontend.ts';
import { createHttpServer } from './server.ts';

export class HttpFrontend implements Frontend {
  readonly name = 'http';
  port = 0;
  app: FastifyInstance | undefined;

  async start(ctx: FrontendContext): Promise<void> {
    const { config, logger, metrics } = ctx;
    const app = await createHttpServer({
      tracker: ctx.tracker,
      logger,
      trustProxy: config.http.trustProxy,
      numwantLimit: config.numwant.limit,
      maxScrapeHashes: config.scrape.maxHashes,
      limits: config.limits,
      observer: ctx.observer,
    });
    this.app = app;
    if (metrics && config.metrics.port === 0) registerMetricsRoutes(app, metrics);
    // Fastify hands its listen options to net.Server#listen, reusePort included (its types
    // do not list it yet).
    const listen: FastifyListenOptions & { reusePort: boolean } = {
      host: config.http.ip,
      port: config.http.port,
      reusePort: ctx.reusePort,
    };
    await app.listen(listen);
    this.port = (app.server.address() as AddressInfo).port;
    ctx.httpServers.publish(app.server);
    logger.info({ ip: config.http.ip, port: this.port }, 'http tracker listening');
  }

  async close(): Promise<void> {
    await this.app?.close();
  }
}
