// The WebSocket tracker (WebTorrent) as a Frontend: WsTracker on every node:http server the
// HTTP frontend publishes (ws://host:http.port/announce), with the tracker's rate limit,
// info_hash lists, interval and numwant, the HTTP frontend's trusted-proxy rule, and its
// own metrics (trakx_ws_*).

import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AnnounceRequest } from '../../bittorrent/announce.ts';
import type { Config } from '../../config/types.ts';
import { formatAddress, parseAddress } from '../../protocol/address.ts';
import { ClientAddress } from '../client-address.ts';
import type { Frontend, FrontendContext } from '../frontend.ts';
import type { WsCheckRequest, WsTrackerOptions } from './options.ts';
import { WsTracker } from './ws-tracker.ts';

/** The WebSocket tracker's settings from the config (the hooks aside). */
export function wsConfigOptions(config: Config): Partial<WsTrackerOptions> {
  const { ws, announce, numwant } = config;
  return {
    maxConnections: ws.maxConnections,
    maxConnectionsPerIp: ws.maxConnectionsPerIp,
    maxPayload: ws.maxMessageBytes,
    maxOffers: ws.maxOffers,
    maxScrapeHashes: config.scrape.maxHashes,
    maxTorrentsPerConnection: ws.maxTorrentsPerConnection,
    maxPeersPerSwarm: config.db.maxPeersPerTorrent,
    maxSwarms: config.db.maxTorrents,
    idleTimeoutMs: ws.idleTimeout * 1000,
    maxBufferedBytes: ws.maxBufferedBytes,
    peerExpiryMs: config.db.expiry * 1000,
    sweepMs: config.db.trim * 1000,
    interval: () => announce.base + Math.floor(Math.random() * announce.fuzz),
    numwant: (n) => (n < 0 ? numwant.default : Math.min(n, numwant.limit)),
  };
}

export class WsFrontend implements Frontend {
  readonly name = 'ws';
  port = 0;
  tracker: WsTracker | undefined;

  async start(ctx: FrontendContext): Promise<void> {
    const { config, logger, tracker } = ctx;
    const proxies = new ClientAddress(config.http.trustProxy);
    const bytes = new Uint8Array(16);
    const req = new AnnounceRequest();
    const hash = Buffer.alloc(20);
    req.infoHash = hash;
    req.hashLen = 20;
    const options: Partial<WsTrackerOptions> = {
      ...wsConfigOptions(config),
      check: (c: WsCheckRequest) => {
        hash.write(c.infoHash, 0, 'latin1');
        const family = parseAddress(c.address, req.addr);
        if (family === 0) return null;
        req.family = family;
        return tracker.refusal(req)?.reason ?? null;
      },
      clientAddress: (r: IncomingMessage) => {
        const family = proxies.resolve(r.socket, r.headers['x-forwarded-for'], bytes);
        return family === 0 ? '' : formatAddress(bytes, 0, family);
      },
    };
    const m = ctx.ws;
    if (m) {
      options.onConnections = (open) => m.connectionsNow(open);
      options.onMessage = (action, result) => m.message(action, result);
    }
    const wsTracker = new WsTracker(options, ctx.wsHub);
    this.tracker = wsTracker;
    // With worker threads the main thread counts the peers (its hub holds them).
    const local = wsTracker.local;
    if (local !== null) m?.peersFrom(() => local.swarms.peers);
    ctx.httpServers.each((server) => {
      wsTracker.attach(server);
      if (this.port === 0) this.port = (server.address() as AddressInfo).port;
    });
    logger.info({ port: this.port, path: wsTracker.opts.path }, 'websocket tracker listening');
  }

  async close(): Promise<void> {
    this.tracker?.close();
  }
}
