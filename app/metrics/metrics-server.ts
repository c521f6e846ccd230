// The separate metrics listener (metrics.port > 0): a small Fastify instance with only
// /metrics, /stats and /heartbeat, usually bound to 127.0.0.1 so Prometheus and netdata
// can read it while the tracker port stays public.

import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/types.ts';
import type { Running } from '../runtime/running.ts';
import type { Metrics } from './metrics.ts';
import type { MetricsEndpoint } from './metrics-endpoint.ts';
import { registerMetricsRoutes } from './routes.ts';

export interface MetricsServer {
  app: FastifyInstance;
  port: number;
}

export async function startMetricsServer(
  metrics: MetricsEndpoint,
  opts: { ip: string; port: number; logger: Logger },
): Promise<MetricsServer> {
  const app = Fastify({
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  registerMetricsRoutes(app as unknown as FastifyInstance, metrics);
  app.get('/heartbeat', (_req, reply) => reply.type('text/plain').send('ok'));
  app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('not found'));
  await app.listen({ host: opts.ip, port: opts.port });
  return { app: app as unknown as FastifyInstance, port: (app.server.address() as AddressInfo).port };
}

/**
 * /metrics and /stats on their own listener when metrics.port is set, so the tracker port
 * need not expose them; else on the HTTP tracker port. Returns the port serving them (0: none).
 */
export async function serveMetrics(
  metrics: Metrics | undefined,
  config: Config,
  logger: Logger,
  httpPort: number,
  running: Running,
): Promise<number> {
  if (!metrics) return 0;
  if (config.metrics.port > 0) {
    const server = await startMetricsServer(metrics, {
      ip: config.metrics.ip,
      port: config.metrics.port,
      logger,
    });
    running.add(() => server.app.close());
    logger.info({ ip: config.metrics.ip, port: server.port }, 'metrics listening');
    return server.port;
  }
  if (config.http.enabled) return httpPort;
  logger.warn('metrics.port is 0 and the HTTP tracker is off: /metrics and /stats are not served');
  return 0;
}
