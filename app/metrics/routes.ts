// GET /metrics (Prometheus text format) and GET /stats (expvar JSON for netdata), on the
// HTTP tracker's Fastify instance or on the separate metrics listener (metrics-server.ts).

import type { FastifyInstance } from 'fastify';
import type { MetricsEndpoint } from './metrics-endpoint.ts';

export function registerMetricsRoutes(app: FastifyInstance, metrics: MetricsEndpoint): void {
  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.prometheus();
    return reply.type(metrics.contentType).send(text);
  });
  app.get('/stats', async (_req, reply) => {
    const stats = await metrics.stats();
    return reply.type('application/json').send(JSON.stringify(stats));
  });
}
