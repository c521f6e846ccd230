// The WebSocket tracker (WebTorrent): `ws://host:port/announce` upgrades on an existing
// node:http server, speaking bittorrent-tracker's protocol. `ws` with noServer is used
// directly, not @fastify/websocket: trakx's HTTP front answers tracker GETs on raw sockets
// before node:http and Fastify see them and hands an Upgrade head on to node:http, whose
// 'upgrade' event is the one place all such requests arrive, Fastify or not.

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ipKey } from './ip-key.ts';
import type { WsCheckRequest, WsTrackerOptions } from './options.ts';
import { wsOptions } from './options.ts';
import type { ParseLimits, WsAnnounce, WsScrape } from './parse.ts';
import { parseWsMessage } from './parse.ts';
import {
  announceReply,
  answerMessage,
  failureReply,
  offerMessage,
  quote,
  scrapeEntry,
  scrapeReply,
} from './reply.ts';
import type { PeerOwner, RtcPeer } from './swarms.ts';
import { IN_USE, RtcSwarms } from './swarms.ts';

/** One browser's connection: ws's own object with the few fields the tracker keeps. */
export class WsConn extends WebSocket implements PeerOwner {
  peers: RtcPeer[] = [];
  /** Set by any message or pong; the idle sweep pings (and then closes) connections without. */
  alive = true;
  ipKey = '';
  address = '';
  tracker: WsTracker | null = null;
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
  readonly swarms: RtcSwarms;
  private readonly wss: WebSocketServer;
  private readonly conns = new Set<WsConn>();
  private readonly perIp = new Map<string, number>();
  private readonly limits: ParseLimits;
  private readonly picked: RtcPeer[] = [];
  private readonly checkReq: WsCheckRequest = { infoHash: '', address: '' };
  private readonly idleTimer: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  private readonly servers: Server[] = [];
  private closed = false;

  constructor(options: Partial<WsTrackerOptions> = {}) {
    const o = wsOptions(options);
    this.opts = o;
    this.limits = { maxOffers: o.maxOffers, maxScrapeHashes: o.maxScrapeHashes };
    this.swarms = new RtcSwarms({
      maxSwarms: o.maxSwarms,
      maxPeersPerSwarm: o.maxPeersPerSwarm,
      maxTorrentsPerOwner: o.maxTorrentsPerConnection,
    });
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
    this.sweepTimer = setInterval(() => this.swarms.sweep(Date.now()), Math.max(1, o.sweepMs));
    this.sweepTimer.unref();
  }

  /** Serve upgrades to `opts.path` on `server` (one or more); its plain requests are left alone. */
  attach(server: Server): void {
    this.servers.push(server);
    server.on('upgrade', this.onUpgrade);
  }

  get connections(): number {
    return this.conns.size;
  }

  /** Stop serving: every connection is closed and every WebRTC peer forgotten. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.idleTimer);
    clearInterval(this.sweepTimer);
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
    this.swarms.removeOwner(c);
    const n = (this.perIp.get(c.ipKey) ?? 1) - 1;
    if (n > 0) this.perIp.set(c.ipKey, n);
    else this.perIp.delete(c.ipKey);
    this.opts.onConnections(this.conns.size);
  }

  /** One message from `c`. */
  handle(c: WsConn, data: Buffer): void {
    const req = parseWsMessage(data, this.limits);
    if (req.action === 'announce') this.announce(c, req);
    else if (req.action === 'scrape') this.scrape(c, req);
    else {
      this.send(c, failureReply(req.reason, req.replyAction, req.infoHash));
      this.opts.onMessage('invalid', 'invalid');
    }
  }

  private announce(c: WsConn, req: WsAnnounce): void {
    const kind = req.answer !== null ? 'answer' : 'announce';
    this.checkReq.infoHash = req.infoHash;
    this.checkReq.address = c.address;
    const denied = this.opts.check(this.checkReq);
    if (denied !== null) {
      this.fail(c, kind, denied, req.infoHash);
      return;
    }
    if (req.answer !== null) {
      this.answer(c, req);
      return;
    }

    const swarms = this.swarms;
    if (req.event === 'stopped') {
      const peer = swarms.find(req.infoHash, req.peerId);
      if (peer !== undefined && peer.owner === c) swarms.remove(peer);
      const s = swarms.get(req.infoHash);
      const seeders = s === undefined ? 0 : s.seeders;
      const leechers = s === undefined ? 0 : s.leechers;
      this.send(c, announceReply(quote(req.infoHash), this.opts.interval(), seeders, leechers));
      this.opts.onMessage(kind, 'ok');
      return;
    }
    const peer = swarms.announce(
      req.infoHash,
      req.peerId,
      c,
      req.left === 0,
      req.event === 'completed',
      Date.now() + this.opts.peerExpiryMs,
    );
    if (typeof peer === 'string') {
      this.fail(c, kind, peer, req.infoHash);
      return;
    }
    const s = peer.swarm;
    this.send(c, announceReply(s.infoHashJson, this.opts.interval(), s.seeders, s.leechers));
    const offers = req.offers;
    if (offers.length > 0) {
      const picked = this.picked;
      const n = swarms.pick(peer, Math.min(offers.length, this.opts.numwant(req.numwant)), picked);
      for (let i = 0; i < n; i++) {
        const o = offers[i];
        this.send(
          picked[i].owner as WsConn,
          offerMessage(o.offer, o.offer_id, peer.peerIdJson, s.infoHashJson),
        );
      }
      picked.length = 0;
    }
    this.opts.onMessage(kind, 'ok');
  }

  /** Route an answer to the peer whose offer it answers; the answerer gets no reply. */
  private answer(c: WsConn, req: WsAnnounce): void {
    const swarms = this.swarms;
    const self = swarms.find(req.infoHash, req.peerId);
    if (self !== undefined && self.owner !== c) {
      this.fail(c, 'answer', IN_USE, req.infoHash);
      return;
    }
    const to = swarms.find(req.infoHash, req.toPeerId);
    if (to === undefined) {
      this.opts.onMessage('answer', 'no_peer');
      return;
    }
    const from = self === undefined ? quote(req.peerId) : self.peerIdJson;
    this.send(to.owner as WsConn, answerMessage(req.answer!, req.offerId, from, to.swarm.infoHashJson));
    this.opts.onMessage('answer', 'ok');
  }

  private scrape(c: WsConn, req: WsScrape): void {
    let entries = '';
    const add = (json: string, seeders: number, leechers: number, downloaded: number) => {
      entries += entries === '' ? '' : ',';
      entries += scrapeEntry(json, seeders, leechers, downloaded);
    };
    if (req.infoHashes === null) {
      let n = 0;
      for (const s of this.swarms.swarms.values()) {
        if (n++ >= this.opts.maxScrapeHashes) break;
        add(s.infoHashJson, s.seeders, s.leechers, s.downloaded);
      }
    } else {
      for (const h of req.infoHashes) {
        const s = this.swarms.get(h);
        if (s === undefined) add(quote(h), 0, 0, 0);
        else add(s.infoHashJson, s.seeders, s.leechers, s.downloaded);
      }
    }
    this.send(c, scrapeReply(entries, this.opts.interval()));
    this.opts.onMessage('scrape', 'ok');
  }

  private fail(c: WsConn, kind: 'announce' | 'answer', reason: string, infoHash: string): void {
    this.send(c, failureReply(reason, 'announce', infoHash));
    this.opts.onMessage(kind, 'refused');
  }

  /** Send, closing a reader that lets more than maxBufferedBytes pile up. */
  private send(c: WsConn, text: string): void {
    if (c.readyState !== WebSocket.OPEN) return;
    c.send(text);
    if (c.bufferedAmount > this.opts.maxBufferedBytes) c.terminate();
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
