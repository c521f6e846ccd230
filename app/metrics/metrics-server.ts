// The separate metrics listener (metrics.port > 0): a small Fastify instance with only
// /metrics, /stats and /heartbeat, usually bound to 127.0.0.1 so Prometheus and netdata
// can read it while the tracker port stays public.

import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { registerHeartbeat } from '../runtime/heartbeat.ts';
import type { Metrics } from './metrics.ts';
import { registerMetricsRoutes } from './routes.ts';

export interface MetricsServer {
  app: FastifyInstance;
  port: number;
}

export async function startMetricsServer(
  metrics: Metrics,
  opts: { ip: string; port: number; logger: Logger; degraded: () => string | null },
): Promise<MetricsServer> {
  const app = Fastify({
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  });
  registerMetricsRoutes(app as unknown as FastifyInstance, metrics);
  registerHeartbeat(app as unknown as FastifyInstance, opts.degraded);
  app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('not found'));
  await app.listen({ host: opts.ip, port: opts.port });
  return { app: app as unknown as FastifyInstance, port: (app.server.address() as AddressInfo).port };
}
