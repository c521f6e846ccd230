// One-shot tracker requests answered on the socket itself. Most BitTorrent clients open a
// connection per announce and ask it to close (libtorrent sends `Connection: close`); for
// them node:http's per-connection work (parser, IncomingMessage, ServerResponse, their
// timers and stream plumbing) costs more than the announce. So the first chunk of every
// new connection is read here: when it is exactly one whole GET of a tracker route that
// closes after its reply (protocol/http-head.ts), it is answered and closed here. Every
// other connection (keep-alive, a partial, pipelined or unusual head, another path or
// method) is handed to node:http with its chunk put back, and node:http serves it exactly
// as if it had read it itself, limits, errors and all.

import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { HeadReader } from '../protocol/http-head.ts';

/** What the front needs of the tracker routes (TrackerRoutes implements it). */
export interface OneShotRoutes {
  /** The reply body for a tracker GET, or null to leave the request to node:http. */
  oneShot(url: string, socket: Socket, xff: string | undefined): Buffer | null;
}

export interface OneShotOptions {
  /** Largest head taken here (limits.maxHeaderSize); node:http answers larger ones with 431. */
  maxHeaderSize: number;
  /** A connection that sends nothing for this long is timed out (limits.requestTimeout). */
  requestMs: number;
  /** Whether X-Forwarded-For is read (a trusted proxy is configured). */
  forwarded: boolean;
  /** Told of a connection that timed out before its first byte (answers 408, counts it). */
  onTimeout(socket: Socket): void;
}

export class OneShotFront {
  private readonly head = new HeadReader();
  /** Connections whose first chunk has not come yet, with when they came (ms). */
  private readonly pending = new Map<Socket, number>();
  private readonly handOff: (this: Server, socket: Socket) => void;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  // Listeners shared by every socket (`this` is the socket): no closure per connection.
  private readonly onData: (this: Socket, chunk: Buffer) => void;
  private readonly onEnd: (this: Socket) => void;
  private readonly onError: (this: Socket) => void;
  private dateSecond = -1;
  private prefix = '';

  /** Takes over `server`'s 'connection' listener (node:http's own), calling it on hand-off. */
  constructor(
    private readonly server: Server,
    private readonly routes: OneShotRoutes,
    private readonly opts: OneShotOptions,
  ) {
    const listeners = server.listeners('connection');
    if (listeners.length !== 1) throw new Error('expected node:http as the only connection listener');
    this.handOff = listeners[0] as (this: Server, socket: Socket) => void;
    server.removeListener('connection', this.handOff);
    server.on('connection', (socket: Socket) => this.accept(socket));
    const front = this;
    this.onData = function (this: Socket, chunk: Buffer) {
      front.first(this, chunk);
    };
    this.onEnd = function (this: Socket) {
      // Closed before a byte came: nothing to answer (http.Server sockets are half-open).
      // After a reply here, destroySoon() closes it once the reply is written.
      if (front.pending.delete(this)) this.destroy();
    };
    this.onError = function (this: Socket) {
      // A reset before or while answering: the socket is destroyed, nothing to tell.
      front.pending.delete(this);
    };
    // node:http checks its request timeouts this often too (see http.ts).
    const every = Math.max(25, Math.min(1000, Math.floor(opts.requestMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every).unref();
  }

  /** From now on every new connection goes to node:http; those still silent are closed. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const socket of this.pending.keys()) socket.destroy();
    this.pending.clear();
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

  private first(socket: Socket, chunk: Buffer): void {
    // Bytes after the reply of a connection answered here are not read.
    if (!this.pending.delete(socket)) return;
    const head = this.head;
    if (!this.closed && chunk.length <= this.opts.maxHeaderSize && head.read(chunk, chunk.length)) {
      const url = chunk.toString('latin1', head.targetStart, head.targetEnd);
      const xff = this.opts.forwarded ? head.forwardedFor(chunk) : undefined;
      const body = this.routes.oneShot(url, socket, xff);
      if (body !== null) {
        this.reply(socket, body);
        return;
      }
    }
    this.release(socket);
    // Put the chunk back for node:http's parser; the stream stays paused until it listens.
    socket.pause();
    socket.unshift(chunk);
    this.handOff.call(this.server, socket);
    socket.resume();
  }

  private reply(socket: Socket, body: Buffer): void {
    // One string write, as node:http makes for a latin1 body (see tracker-route.ts).
    socket.write(`${this.headPrefix()}${body.length}\r\n\r\n${body.toString('latin1')}`, 'latin1');
    // As node:http ends a `Connection: close` reply: FIN once written, then close.
    socket.destroySoon();
  }

  /** The reply's status line and headers up to Content-Length's value; Date per second. */
  private headPrefix(): string {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.prefix =
        'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n' +
        `Date: ${new Date(second * 1000).toUTCString()}\r\nContent-Length: `;
    }
    return this.prefix;
  }

  /** Our listeners off: node:http's take over. */
  private release(socket: Socket): void {
    socket.removeListener('data', this.onData);
    socket.removeListener('end', this.onEnd);
    socket.removeListener('error', this.onError);
  }

  /** Time out connections silent since they came, as node:http's request timeout would. */
  private sweep(): void {
    const oldest = performance.now() - this.opts.requestMs;
    for (const [socket, since] of this.pending) {
      // Insertion order is arrival order: the rest are younger.
      if (since > oldest) break;
      this.pending.delete(socket);
      this.release(socket);
      // The error listener node:http would have had, so a late reset is not thrown.
      socket.on('error', noop);
      this.opts.onTimeout(socket);
    }
  }
}

function noop(): void {}
