// Tracker GETs answered on the socket itself, since node:http's work per request and per
// connection costs about as much as an announce. Each whole GET head of a tracker route
// at the start of a connection is answered here (routes.ts answer()); at the first thing
// that is not one (a partial head, another path or method, a body, a client not reading
// its replies) the connection goes to node:http with the unread bytes put back.

import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { HeadReader } from '../../protocol/http-head.ts';
import { Burst } from '../../runtime/burst.ts';

/** What the front needs of the tracker routes (TrackerRoutes implements it). */
export interface FrontRoutes {
  /** The reply body for a tracker GET, or null to leave the request to node:http. */
  answer(url: string, socket: Socket, xff: string | undefined): Buffer | null;
}

export interface FrontOptions {
  /** Largest head taken here (limits.maxHeaderSize); node:http answers larger ones with 431. */
  maxHeaderSize: number;
  /** A connection that sends nothing for this long is timed out (limits.requestTimeout). */
  requestMs: number;
  /** An idle keep-alive connection is closed after this long (limits.idleTimeout). */
  idleMs: number;
  /**
   * A closing connection whose replies have not moved for this long is closed (node:http's
   * socket timeout for its own connections, see http.ts).
   */
  stallMs: number;
  /** Whether X-Forwarded-For is read (a trusted proxy is configured). */
  forwarded: boolean;
  /** Told of a connection that timed out before its first byte (answers 408, counts it). */
  onTimeout(socket: Socket): void;
  /** Told of anything serving a burst threw (the rest of the burst is still served). */
  onError(err: unknown): void;
}

export class TrackerFront {
  private readonly head = new HeadReader();
  /** Connections that have sent nothing yet, with when they came (ms). */
  private readonly pending = new Map<Socket, number>();
  /** Keep-alive connections served here, waiting for their next request. */
  private readonly open = new Set<Socket>();
  /** Connections answered with a close whose replies the client has not read yet. */
  private readonly unread = new Set<Socket>();
  /**
   * Kept connections' next requests, answered together (burst.ts). A first packet is
   * answered at once: its connection's set-up is its cost, which a burst does not share.
   */
  private readonly burst: Burst<Socket, null, null>;
  /** The chunk each connection in the burst brought; its next chunks wait in its stream. */
  private readonly queued = new Map<Socket, Buffer>();
  private readonly handOff: (this: Server, socket: Socket) => void;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  // Listeners shared by every socket (`this` is the socket): no closure per connection.
  private readonly onData: (this: Socket, chunk: Buffer) => void;
  private readonly onEnd: (this: Socket) => void;
  private readonly onError: (this: Socket) => void;
  private readonly onClose: (this: Socket) => void;
  private dateSecond = -1;
  private closePrefix = '';
  private keepPrefix = '';

  /** Takes over `server`'s 'connection' listener (node:http's own), calling it on hand-off. */
  constructor(
    private readonly server: Server,
    private readonly routes: FrontRoutes,
    private readonly opts: FrontOptions,
  ) {
    const listeners = server.listeners('connection');
    if (listeners.length !== 1) throw new Error('expected node:http as the only connection listener');
    this.handOff = listeners[0] as (this: Server, socket: Socket) => void;
    server.removeListener('connection', this.handOff);
    server.on('connection', (socket: Socket) => this.accept(socket));
    const front = this;
    this.burst = new Burst<Socket, null, null>((socket) => this.serveQueued(socket), opts.onError);
    this.onData = function (this: Socket, chunk: Buffer) {
      if (!front.open.has(this)) front.serve(this, chunk);
      else if (!front.queued.has(this)) {
        front.queued.set(this, chunk);
        front.burst.push(this, null, null);
      } else {
        // A second chunk before the first is served: back into the stream, in order, so
        // that a hand-off after the first gives node:http both.
        this.pause();
        this.unshift(chunk);
      }
    };
    this.onEnd = function (this: Socket) {
      // The client is done sending (http.Server sockets are half-open). A request it sent
      // just before is answered first (it may hand the connection to node:http).
      if (front.queued.has(this)) front.serveQueued(this);
      // Ours still, silent or kept: end our side once the replies written are out, then
      // close. (After a close reply destroySoon() has been called; node:http ends its own.)
      if (front.pending.delete(this) || front.open.has(this)) this.destroySoon();
    };
    this.onError = function (this: Socket) {
      // A reset: the socket is destroyed, nothing to tell.
      front.pending.delete(this);
    };
    this.onClose = function (this: Socket) {
      if (!front.open.delete(this)) front.unread.delete(this);
    };
    // node:http checks its request timeouts this often too (see http.ts).
    const every = Math.max(25, Math.min(1000, Math.floor(opts.requestMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every).unref();
  }

  /**
   * From now on every new connection goes to node:http; those still silent, idle
   * keep-alive ones and closing ones with replies unread are closed (as Fastify's close
   * does to node:http's): none of them holds server.close().
   */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const socket of this.pending.keys()) socket.destroy();
    this.pending.clear();
    for (const socket of this.open) socket.destroy();
    this.open.clear();
    for (const socket of this.unread) socket.destroy();
    this.unread.clear();
  }

  private accept(socket: Socket): void {
    if (this.closed) {
      this.handOff.call(this.server, socket);
      return;
    }
    this.pending.set(socket, performance.now());
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
  }

  /** A kept connection's chunk from the burst (or, at its end, before the burst). */
  private serveQueued(socket: Socket): void {
    const chunk = this.queued.get(socket);
    if (chunk === undefined) return;
    this.queued.delete(socket);
    // What came after it flows again once this turn is done (to us, or to node:http).
    if (socket.isPaused()) socket.resume();
    this.serve(socket, chunk);
  }

  /** Answer the whole tracker GETs at the start of chunk; hand the rest to node:http. */
  private serve(socket: Socket, chunk: Buffer): void {
    if (socket.destroyed) return;
    this.pending.delete(socket);
    const head = this.head;
    const n = chunk.length;
    let p = 0;
    while (p < n && !this.closed) {
      const end = head.read(chunk, p, n, this.opts.maxHeaderSize);
      if (end < 0) break;
      const url = chunk.toString('latin1', head.targetStart, head.targetEnd);
      const body = this.routes.answer(
        url,
        socket,
        this.opts.forwarded ? head.forwardedFor(chunk) : undefined,
      );
      if (body === null) break;
      // One string write, as node:http makes for a latin1 body (see routes.ts).
      const prefix = this.prefix(head.closes);
      socket.write(`${prefix}${body.length}\r\n\r\n${body.toString('latin1')}`, 'latin1');
      if (head.closes) {
        // As node:http ends a `Connection: close` reply: FIN once written, then close. What
        // the client sent after it is not read.
        socket.removeListener('data', this.onData);
        socket.destroySoon();
        // Replies the kernel did not take wait for a client that may never read them: such a
        // connection is timed out and closed with the server, as node:http's are. A kept one
        // already is: it stays in open, with its idle timeout.
        if (socket.writableLength > 0 && !this.open.has(socket)) {
          this.unread.add(socket);
          socket.on('close', this.onClose);
          socket.setTimeout(this.opts.stallMs, destroyOnTimeout);
        }
        return;
      }
      p = end;
    }
    // All answered and the client reads its replies: wait here for its next request.
    if (p === n && !this.closed && !socket.writableNeedDrain) {
      if (!this.open.has(socket)) {
        this.open.add(socket);
        socket.on('close', this.onClose);
        // Refreshed by every read and write: it fires after idleMs without either.
        socket.setTimeout(this.opts.idleMs, destroyOnTimeout);
      }
      return;
    }
    this.handOver(socket, p < n ? (p === 0 ? chunk : chunk.subarray(p)) : null);
  }

  /** node:http takes the connection, from `unread` on (the bytes not answered here). */
  private handOver(socket: Socket, unread: Buffer | null): void {
    socket.removeListener('data', this.onData);
    socket.removeListener('end', this.onEnd);
    socket.removeListener('error', this.onError);
    if (this.open.delete(socket)) {
      socket.removeListener('close', this.onClose);
      socket.setTimeout(0, destroyOnTimeout);
    }
    if (unread !== null && !socket.readableEnded) {
      // Put the bytes back for node:http's parser; the stream stays paused until it listens.
      socket.pause();
      socket.unshift(unread);
      this.handOff.call(this.server, socket);
      socket.resume();
      return;
    }
    this.handOff.call(this.server, socket);
    if (socket.readableEnded) {
      // Handed over from its 'end' event: the stream takes no bytes back now, so node:http's
      // listeners get the bytes and the end straight away, as the stream would give them.
      if (unread !== null) socket.emit('data', unread);
      socket.emit('end');
    }
  }

  /** Status line and headers up to Content-Length's value; Date per second. */
  private prefix(closes: boolean): string {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      const date = `Date: ${new Date(second * 1000).toUTCString()}\r\nContent-Length: `;
      this.closePrefix = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n${date}`;
      this.keepPrefix =
        'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\n' +
        `Keep-Alive: timeout=${Math.floor(this.opts.idleMs / 1000)}\r\n${date}`;
    }
    return closes ? this.closePrefix : this.keepPrefix;
  }

  /** Time out connections silent since they came, as node:http's request timeout would. */
  private sweep(): void {
    const oldest = performance.now() - this.opts.requestMs;
    for (const [socket, since] of this.pending) {
      // Insertion order is arrival order: the rest are younger.
      if (since > oldest) break;
      this.pending.delete(socket);
      socket.removeListener('data', this.onData);
      socket.removeListener('end', this.onEnd);
      // Any error listener stays, so a late reset is not thrown.
      this.opts.onTimeout(socket);
    }
  }
}

/** An idle keep-alive connection's end, as node:http's keepAliveTimeout does it. */
function destroyOnTimeout(this: Socket): void {
  this.destroy();
}
