// GET /heartbeat, on the tracker port and the metrics port: 200 `ok`, or 503
// `degraded: <why>` while announces and scrapes fail (the shared Redis store is
// unreachable), so a load balancer can send clients to another instance meanwhile.

import type { FastifyInstance } from 'fastify';

export function registerHeartbeat(app: FastifyInstance, degraded: () => string | null): void {
  app.get('/heartbeat', (_req, reply) => {
    const why = degraded();
    if (why === null) return reply.type('text/plain').send('ok');
    return reply.code(503).type('text/plain').send(`degraded: ${why}`);
  });
}
