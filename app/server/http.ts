// The Fastify app of the HTTP tracker: /announce, /scrape, /heartbeat and the static
// pages. Other plugins (metrics, stats) register on the returned instance before listen.

import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { QueryReader } from '../protocol/query.ts';
import type { Tracker } from '../tracker/tracker.ts';
import { ClientAddress } from './client-address.ts';
import { registerAnnounce } from './http-announce.ts';
import { registerScrape } from './http-scrape.ts';
import { registerStatic } from './http-static.ts';
import { NULL_OBSERVER, type RequestObserver } from './observer.ts';

export interface HttpServerOptions {
  tracker: Tracker;
  logger: Logger;
  trustProxy: readonly string[];
  numwantLimit: number;
  maxScrapeHashes: number;
  observer?: RequestObserver;
}

export async function createHttpServer(opts: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger,
    // One log line per request would cost more than the request itself.
    logController: new LogController({ disableRequestLogging: true }),
    // The tracker routes decode the raw query themselves (binary-safe).
    routerOptions: { querystringParser: () => ({}) },
    return503OnClosing: true,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;

  const deps = {
    tracker: opts.tracker,
    query: new QueryReader(),
    clients: new ClientAddress(opts.trustProxy),
    observer: opts.observer ?? NULL_OBSERVER,
    numwantLimit: opts.numwantLimit,
    maxScrapeHashes: opts.maxScrapeHashes,
  };
  registerAnnounce(app, deps);
  registerScrape(app, deps);
  app.get('/heartbeat', (_req, reply) => reply.type('text/plain').send('ok'));
  await registerStatic(app);

  app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('not found'));
  // No stack trace or internal detail ever reaches a client.
  app.setErrorHandler((err: { statusCode?: number }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'request failed');
    return reply
      .code(status)
      .type('text/plain')
      .send(status === 500 ? 'internal error' : 'bad request');
  });
  return app;
}
