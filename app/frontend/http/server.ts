// The Fastify app of the HTTP tracker: /announce, /scrape, /heartbeat and the static
// pages. Other plugins (metrics, stats) register on the returned instance before listen.

import { createServer, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { isLater, type Later } from '../../bittorrent/later.ts';
import {
  LIMIT_CONNECTIONS,
  LIMIT_HEADER_SIZE,
  LIMIT_TIMEOUT,
  NULL_OBSERVER,
  type RequestObserver,
} from '../../bittorrent/observer.ts';
import { QueryReader } from '../../protocol/query.ts';
import { registerHeartbeat } from '../../runtime/heartbeat.ts';
import { keepTickShape } from '../../runtime/tick-shape.ts';
import type { Tracker } from '../../tracker/tracker.ts';
import { ClientAddress } from '../client-address.ts';
import { registerAnnounce } from './announce.ts';
import { mayReplyError } from './error-reply.ts';
import { TrackerRoutes } from './routes.ts';
import { registerScrape } from './scrape.ts';
import { TrackerFront } from './socket-front.ts';
import { registerStatic } from './static.ts';

/** Connection-level limits (config `limits.*`); times in seconds. */
export interface HttpLimits {
  /** Largest request line + headers in bytes (Node's maxHeaderSize); larger gets 431. */
  maxHeaderSize: number;
  /** Time to receive a whole request; slower senders (slowloris) get 408 and are cut off. */
  requestTimeout: number;
  /** Idle time after which a keep-alive connection is closed. */
  idleTimeout: number;
  /** Concurrent connections; 0 = no cap. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxHeaderSize: 16384,
  requestTimeout: 10,
  idleTimeout: 30,
  maxConnections: 10000,
};

export interface HttpServerOptions {
  tracker: Tracker;
  logger: Logger;
  trustProxy: readonly string[];
  numwantLimit: number;
  maxScrapeHashes: number;
  observer?: RequestObserver;
  limits?: HttpLimits;
}

export async function createHttpServer(opts: HttpServerOptions): Promise<FastifyInstance> {
  // Node's streams call nextTick a few times per reply: keep its fast path (tick-shape.ts).
  void keepTickShape();
  const observer = opts.observer ?? NULL_OBSERVER;
  const limits = opts.limits ?? DEFAULT_HTTP_LIMITS;
  const requestMs = Math.max(1, Math.round(limits.requestTimeout * 1000));
  const idleMs = Math.max(1, Math.round(limits.idleTimeout * 1000));
  // Socket inactivity backstop (e.g. a client that stops reading its replies).
  const stallMs = requestMs + idleMs;
  // Set once Fastify exists: the tracker routes answer ahead of it (routes.ts).
  let routes: TrackerRoutes | undefined;
  // One per listening server (Fastify builds a second one for a second address).
  const fronts: TrackerFront[] = [];
  const clientError = (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let status = 400;
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      observer.limitHit(LIMIT_TIMEOUT);
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      observer.limitHit(LIMIT_HEADER_SIZE);
    }
    // Plain words only: parser details stay in the server.
    const text = STATUS_CODES[status]!.toLowerCase();
    if (socket.writable && mayReplyError(socket)) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`,
      );
    }
    socket.destroy();
  };
  const requestTimeout = Object.assign(new Error('request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
  const app = Fastify({
    // Our own server (Fastify also builds any second listener through it), so the
    // tracker routes see each request before Fastify's router does.
    serverFactory: (fastifyHandler) => {
      const server = createServer(
        {
          maxHeaderSize: limits.maxHeaderSize,
          // headersTimeout defaults to min(60 s, requestTimeout); both count from the
          // connection's first byte, so a client that sends nothing is cut off too.
          requestTimeout: requestMs,
          // Node checks those timeouts only this often (30 s by default).
          connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(requestMs / 4))),
        },
        (req, res) => {
          if (routes === undefined || !routes.serve(req, res)) fastifyHandler(req, res);
        },
      );
      server.keepAliveTimeout = idleMs;
      // The socket front answers at once; with a store that answers later node:http
      // takes every connection, since it keeps late replies in order.
      if (!opts.tracker.answersLater) {
        fronts.push(
          new TrackerFront(
            server,
            { answer: (url, socket, xff) => now(routes?.answer(url, socket, xff)) },
            {
              maxHeaderSize: limits.maxHeaderSize,
              requestMs,
              idleMs,
              stallMs,
              forwarded: opts.trustProxy.length > 0,
              // What node:http does when its request timeout fires: clientError, 408.
              onTimeout: (socket) => clientError(requestTimeout, socket),
              onError: (err) => opts.logger.error({ err }, 'http reply failed'),
            },
          ),
        );
      }
      server.setTimeout(stallMs);
      // A client's FIN ends the connection only after the replies to what it sent before
      // (some are written later: burst, static files); node:http ends it at once otherwise.
      // Its own switch, untyped (test/http/replies.test.ts fails if it goes).
      (server as typeof server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
      return server;
    },
    requestTimeout: requestMs,
    keepAliveTimeout: idleMs,
    connectionTimeout: stallMs,
    // Tracker requests are GETs: no legitimate request has a body worth buffering.
    bodyLimit: 4096,
    clientErrorHandler: clientError,
    // No Fastify logger: it would build a child logger for every request. The few things
    // worth logging go to opts.logger.
    logger: false,
    // The tracker routes decode the raw query themselves (binary-safe).
    routerOptions: { querystringParser: () => ({}) },
    // Router errors (a path with a malformed escape such as /%zz) get the same plain 400
    // as the error handler below, not Fastify's JSON that echoes the URL back.
    frameworkErrors: (_err: unknown, _request: unknown, reply: FastifyReply) => {
      reply.code(400).type('text/plain').send('bad request');
    },
    return503OnClosing: true,
    forceCloseConnections: true,
  }) as unknown as FastifyInstance;

  const deps = {
    tracker: opts.tracker,
    // Room for a full scrape: each fully escaped info_hash takes 71 characters
    // (`info_hash=` + 60 + `&`), so the default 8192 would cap scrape.maxHashes near 115.
    query: new QueryReader(
      Math.max(256, opts.maxScrapeHashes + 64),
      Math.max(8192, opts.maxScrapeHashes * 71 + 1024),
    ),
    clients: new ClientAddress(opts.trustProxy),
    observer,
    numwantLimit: opts.numwantLimit,
    maxScrapeHashes: opts.maxScrapeHashes,
  };
  routes = new TrackerRoutes(app, observer, opts.logger, opts.trustProxy.length > 0);
  // Before Fastify closes the servers: connections still silent would hold server.close().
  app.addHook('preClose', (done) => {
    for (const front of fronts) front.close();
    done();
  });
  registerAnnounce(routes, deps);
  registerScrape(routes, deps);
  registerHeartbeat(app, () => opts.tracker.degraded());
  await registerStatic(app);

  if (limits.maxConnections > 0) {
    app.server.maxConnections = limits.maxConnections;
    // Node closes connections beyond the cap itself and tells us through 'drop'.
    app.server.on('drop', () => observer.limitHit(LIMIT_CONNECTIONS));
  }

  app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('not found'));
  // No stack trace or internal detail ever reaches a client.
  app.setErrorHandler((err: { statusCode?: number }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) opts.logger.error({ err, url: request.url }, 'request failed');
    return reply
      .code(status)
      .type('text/plain')
      .send(status === 500 ? 'internal error' : 'bad request');
  });
  return app;
}

/** An answer the socket front can write: it runs only with a store that answers at once. */
function now(body: Later<Buffer> | null | undefined): Buffer | null {
  if (isLater(body)) throw new Error('the socket front got a late answer');
  return body ?? null;
}
