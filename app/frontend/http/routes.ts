// The tracker's GET routes (/announce, /scrape) and their one answer function,
// answer(): run the handler, turn a Failure into a bencoded `failure reason` and an
// exception into `internal error` (logged, never shown), report the request to the
// observer. The socket front (socket-front.ts) calls it for the connections it keeps;
// serve() calls it for the requests node:http parsed, ahead of Fastify's router. Fastify
// has no route of these paths: while closing it answers them 503, a HEAD 404.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { FAIL_STORE, type Failure } from '../../bittorrent/failures.ts';
import { isLater, type Later } from '../../bittorrent/later.ts';
import {
  PROTO_HTTP,
  RESULT_CLIENT_ERROR,
  RESULT_OK,
  RESULT_SERVER_ERROR,
  type RequestKind,
  type RequestObserver,
  type Result,
} from '../../bittorrent/observer.ts';
import { encodeFailure } from '../../protocol/bencode.ts';
import { Burst } from '../../runtime/burst.ts';

const INTERNAL_ERROR = encodeFailure('internal error');
const QUESTION_MARK = 63;
/** Replies up to this long reuse one header list per length; longer ones build theirs. */
const CACHED_HEADS = 4096;

/** What a tracker route sees of a request: the raw URL, the peer socket and X-Forwarded-For. */
export type TrackerHandler = (
  url: string,
  socket: object,
  xff: string | string[] | undefined,
) => Later<Buffer | Failure>;

interface Route {
  path: string;
  action: RequestKind;
  handle: TrackerHandler;
}

export class TrackerRoutes {
  private readonly routes: Route[] = [];
  private closing = false;
  /** writeHead's flat [name, value…] list per body length (Node only reads it). */
  private readonly heads: string[][] = [];
  private readonly burst: Burst<Route, IncomingMessage, ServerResponse>;

  /**
   * @param forwarded whether handlers read X-Forwarded-For (a trusted proxy is configured):
   * Node builds a request's headers object only when asked, so without one it never is.
   */
  constructor(
    app: FastifyInstance,
    private readonly observer: RequestObserver,
    private readonly logger: Logger,
    private readonly forwarded: boolean,
  ) {
    // Fastify sets its own closing state before it runs preClose hooks: from then on
    // every request goes to Fastify, which answers 503 with Connection: close.
    app.addHook('preClose', (done) => {
      this.closing = true;
      done();
    });
    this.burst = new Burst(
      (route, req, res) => this.reply(route, req, res),
      // run() catches the handler's errors; this is Node refusing the write.
      (err) => this.logger.error({ err }, 'http reply failed'),
    );
  }

  /** A tracker GET route; `path` is matched as the URL's whole path. */
  add(path: string, action: RequestKind, handle: TrackerHandler): void {
    this.routes.push({ path, action, handle });
  }

  /**
   * Answer a GET of a tracker route straight on Node's request; false for anything
   * else (other paths and methods, or the server closing), which Fastify then handles.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.closing || req.method !== 'GET') return false;
    const url = req.url ?? '';
    const route = this.match(url);
    if (route === null) return false;
    // A connection that closes after this reply is answered at once (unless a burst is
    // waiting, see runNow): its cost is its own setup and teardown, which a burst does not
    // share.
    if (res.shouldKeepAlive) this.burst.push(route, req, res);
    else this.burst.runNow(route, req, res);
    return true;
  }

  /**
   * The reply body of a tracker GET, or null for any other path or while closing (the
   * request is then left to node:http and Fastify). Runs at once.
   */
  answer(url: string, socket: object, xff: string | string[] | undefined): Later<Buffer> | null {
    if (this.closing) return null;
    const route = this.match(url);
    return route === null ? null : this.run(route, url, socket, xff);
  }

  /** Answer one request node:http parsed: at once, or as one request of a burst. */
  private reply(route: Route, req: IncomingMessage, res: ServerResponse): void {
    const body = this.run(route, req.url!, req.socket, this.xff(req));
    if (isLater(body)) {
      // node:http keeps pipelined replies in order however late each is written.
      body.then(
        (b) => {
          if (!res.destroyed) this.write(res, b);
        },
        (err) => this.logger.error({ err }, 'http reply failed'),
      );
      return;
    }
    this.write(res, body);
  }

  private write(res: ServerResponse, body: Buffer): void {
    res.writeHead(200, this.head(body.length));
    // As a latin1 string (byte for byte the same), so Node writes header and body as one
    // string; a Buffer body costs a cork and a three-chunk writev, more than this copy.
    res.end(body.toString('latin1'), 'latin1');
  }

  private head(length: number): string[] {
    let h = this.heads[length];
    if (h === undefined) {
      h = ['Content-Type', 'text/plain', 'Content-Length', String(length)];
      if (length <= CACHED_HEADS) this.heads[length] = h;
    }
    return h;
  }

  private xff(req: IncomingMessage): string | string[] | undefined {
    return this.forwarded ? req.headers['x-forwarded-for'] : undefined;
  }

  /** The route whose path is the URL's whole path (no trailing slash, as Fastify routes it). */
  private match(url: string): Route | null {
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i];
      const n = r.path.length;
      if ((url.length === n || url.charCodeAt(n) === QUESTION_MARK) && url.startsWith(r.path)) return r;
    }
    return null;
  }

  /** The one place a tracker GET is answered, whichever path brought it. */
  private run(route: Route, url: string, socket: object, xff: string | string[] | undefined): Later<Buffer> {
    const start = performance.now();
    let out: Later<Buffer | Failure>;
    try {
      out = route.handle(url, socket, xff);
    } catch (err) {
      return this.fail(route, url, start, err);
    }
    if (!isLater(out)) return this.done(route, url, start, out);
    return out.then(
      (o) => this.done(route, url, start, o),
      (err) => this.fail(route, url, start, err),
    );
  }

  /** The reply body of a handler's answer, reported to the observer. */
  private done(route: Route, url: string, start: number, out: Buffer | Failure): Buffer {
    let body: Buffer;
    let result: Result = RESULT_OK;
    if (Buffer.isBuffer(out)) body = out;
    else {
      body = encodeFailure(out.reason, out.never, out.retryIn);
      result = out === FAIL_STORE ? RESULT_SERVER_ERROR : RESULT_CLIENT_ERROR;
    }
    this.observer.request(PROTO_HTTP, route.action, result, start);
    this.observer.bytes(PROTO_HTTP, url.length, body.length);
    return body;
  }

  private fail(route: Route, url: string, start: number, err: unknown): Buffer {
    this.logger.error({ err }, `${route.path} failed`);
    this.observer.request(PROTO_HTTP, route.action, RESULT_SERVER_ERROR, start);
    this.observer.bytes(PROTO_HTTP, url.length, INTERNAL_ERROR.length);
    return INTERNAL_ERROR;
  }
}
