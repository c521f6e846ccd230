// The WebSocket tracker (WebTorrent): `ws://host:port/announce` upgrades on an existing
// node:http server, speaking bittorrent-tracker's protocol. `ws` with noServer is used
// directly, not @fastify/websocket: trakx's HTTP front answers tracker GETs on raw sockets
// before node:http and Fastify see them and hands an Upgrade head on to node:http, whose
// 'upgrade' event is the one place all such requests arrive, Fastify or not.

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Done, RtcConn, WsHub } from './hub.ts';
import { RtcHub } from './hub.ts';
import { ipKey } from './ip-key.ts';
import type { WsCheckRequest, WsTrackerOptions } from './options.ts';
import { wsOptions } from './options.ts';
import type { ParseLimits, WsAnnounce } from './parse.ts';
import { parseWsMessage } from './parse.ts';
import { failureReply } from './reply.ts';
import type { RtcPeer, RtcSwarms } from './swarms.ts';

/** One browser's connection: ws's own object with the few fields the tracker keeps. */
export class WsConn extends WebSocket implements RtcConn {
  peers: RtcPeer[] = [];
  /** Unique in its tracker: how a worker's relay names it to the main thread's hub. */
  id = 0;
  /** Set by any message or pong; the idle sweep pings (and then closes) connections without. */
  alive = true;
  ipKey = '';
  address = '';
  tracker: WsTracker | null = null;

  /** Send, closing a reader that lets more than maxBufferedBytes pile up. */
  deliver(text: string): void {
    if (this.readyState !== WebSocket.OPEN || this.tracker === null) return;
    this.send(text);
    if (this.bufferedAmount > this.tracker.opts.maxBufferedBytes) this.terminate();
  }
}

const STATUS: Record<number, string> = {
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

function refuse(socket: Duplex, code: number): void {
  socket.on('error', noop);
  socket.end(`HTTP/1.1 ${code} ${STATUS[code]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
    socket.destroy(),
  );
}

function noop(): void {}

// Listeners shared by every connection (`this` is the connection): no closures per socket.
function onMessage(this: WebSocket, data: Buffer): void {
  const c = this as WsConn;
  c.alive = true;
  c.tracker?.handle(c, data);
}
function onPong(this: WebSocket): void {
  (this as WsConn).alive = true;
}
function onClose(this: WebSocket): void {
  (this as WsConn).tracker?.drop(this as WsConn);
}
function onError(this: WebSocket): void {
  // Protocol errors (oversized message, bad frame): ws closes the connection itself.
  (this as WsConn).tracker?.opts.onMessage('invalid', 'invalid');
}

export class WsTracker {
  readonly opts: WsTrackerOptions;
  readonly hub: WsHub;
  /** The hub this tracker made itself (no hub given); null when another thread holds it. */
  readonly local: RtcHub | null;
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<WsConn>();
  private readonly perIp = new Map<string, number>();
  private readonly limits: ParseLimits;
  private readonly done: Done;
  private nextId = 1;
  private readonly checkReq: WsCheckRequest = { infoHash: '', address: '' };
  private readonly idleTimer: NodeJS.Timeout;
  private readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  private readonly servers: Server[] = [];
  private closed = false;

  /** Without a `hub`, the WebRTC swarms are this tracker's own (one thread serves). */
  constructor(options: Partial<WsTrackerOptions> = {}, hub?: WsHub) {
    const o = wsOptions(options);
    this.opts = o;
    this.limits = { maxOffers: o.maxOffers, maxScrapeHashes: o.maxScrapeHashes };
    this.local = hub === undefined ? new RtcHub(o) : null;
    this.hub = hub ?? (this.local as RtcHub);
    this.done = o.onMessage;
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: o.maxPayload,
      WebSocket: WsConn,
    });
    this.onUpgrade = (req, socket, head) => this.upgrade(req, socket, head);
    // Half the idle timeout: a connection silent for one tick is pinged, for two closed.
    this.idleTimer = setInterval(() => this.idleSweep(), Math.max(1, o.idleTimeoutMs / 2));
    this.idleTimer.unref();
  }

  /** Serve upgrades to `opts.path` on `server` (one or more); its plain requests are left alone. */
  attach(server: Server): void {
    this.servers.push(server);
    server.on('upgrade', this.onUpgrade);
  }

  /** The local hub's swarms (tests and the single-thread metrics read them). */
  get swarms(): RtcSwarms {
    if (this.local === null) throw new Error('the WebRTC swarms are held by the main thread');
    return this.local.swarms;
  }

  get connections(): number {
    return this.conns.size;
  }

  /** Stop serving: every connection is closed and every WebRTC peer forgotten. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleTimer);
    this.local?.close();
    for (const s of this.servers) s.removeListener('upgrade', this.onUpgrade);
    for (const c of this.conns) c.terminate();
    this.wss.close();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== this.opts.path) {
      refuse(socket, 404);
      return;
    }
    if (this.closed || this.conns.size >= this.opts.maxConnections) {
      refuse(socket, 503);
      return;
    }
    const address = this.opts.clientAddress(req);
    const key = ipKey(address);
    const cap = this.opts.maxConnectionsPerIp;
    if (cap > 0 && (this.perIp.get(key) ?? 0) >= cap) {
      refuse(socket, 429);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws as WsConn, address, key));
  }

  private accept(c: WsConn, address: string, key: string): void {
    if (this.closed) {
      c.terminate();
      return;
    }
    c.tracker = this;
    c.id = this.nextId++;
    c.address = address;
    c.ipKey = key;
    this.perIp.set(key, (this.perIp.get(key) ?? 0) + 1);
    this.conns.add(c);
    c.on('message', onMessage);
    c.on('pong', onPong);
    c.on('close', onClose);
    c.on('error', onError);
    this.opts.onConnections(this.conns.size);
  }

  /** A connection closed: its peers leave their swarms. */
  drop(c: WsConn): void {
    if (!this.conns.delete(c)) return;
    c.tracker = null;
    this.hub.drop(c);
    const n = (this.perIp.get(c.ipKey) ?? 1) - 1;
    if (n > 0) this.perIp.set(c.ipKey, n);
    else this.perIp.delete(c.ipKey);
    this.opts.onConnections(this.conns.size);
  }

  /** One message from `c`. */
  handle(c: WsConn, data: Buffer): void {
    const req = parseWsMessage(data, this.limits);
    if (req.action === 'announce') this.announce(c, req);
    else if (req.action === 'scrape') this.hub.scrape(c, req, this.done);
    else {
      c.deliver(failureReply(req.reason, req.replyAction, req.infoHash));
      this.opts.onMessage('invalid', 'invalid');
    }
  }

  private announce(c: WsConn, req: WsAnnounce): void {
    this.checkReq.infoHash = req.infoHash;
    this.checkReq.address = c.address;
    const denied = this.opts.check(this.checkReq);
    if (denied !== null) {
      this.fail(c, req.answer !== null ? 'answer' : 'announce', denied, req.infoHash);
      return;
    }
    this.hub.announce(c, req, this.done);
  }

  private fail(c: WsConn, kind: 'announce' | 'answer', reason: string, infoHash: string): void {
    c.deliver(failureReply(reason, 'announce', infoHash));
    this.opts.onMessage(kind, 'refused');
  }

  private idleSweep(): void {
    for (const c of this.conns) {
      if (!c.alive) c.terminate();
      else {
        c.alive = false;
        c.ping();
      }
    }
  }
}
