// The WebSocket tracker's settings and the hooks the tracker plugs in. Everything is passed
// in (nothing read from a global); wsOptions fills what the caller left out.

import type { IncomingMessage } from 'node:http';

/** What a pre-announce check sees; one object reused for every announce (do not keep it). */
export interface WsCheckRequest {
  /** 20-character binary string. */
  infoHash: string;
  /** The client's address (options.clientAddress). */
  address: string;
}

/** How a message ended, for the messages-by-action-and-result counter. */
export type WsResult = 'ok' | 'refused' | 'invalid' | 'no_peer';
export type WsAction = 'announce' | 'answer' | 'scrape' | 'invalid';

/** Where the WebSocket frontend reports its figures (metrics/request-slots.ts). */
export interface WsObserver {
  connectionsNow(open: number): void;
  message(action: WsAction, result: WsResult): void;
  /** Where the WebRTC peer count is read from when the metrics want it. */
  peersFrom(count: () => number): void;
}

export interface WsTrackerOptions {
  /** Path served (upgrades to any other path get a 404). */
  path: string;
  /** Most open WebSocket connections; beyond it an upgrade gets 503. */
  maxConnections: number;
  /** Most connections from one IPv4 address or IPv6 /64; beyond it 429. 0 = no cap. */
  maxConnectionsPerIp: number;
  /** Largest message in bytes (ws maxPayload); a larger one closes the connection (1009). */
  maxPayload: number;
  /** Most offers in one announce; more gets a failure reason. */
  maxOffers: number;
  /** Most info_hashes in one scrape, and swarms listed by a scrape that names none. */
  maxScrapeHashes: number;
  /** Most torrents one connection may announce in. */
  maxTorrentsPerConnection: number;
  /** Most WebRTC swarms kept; an announce that would create one more is refused. */
  maxSwarms: number;
  /** Most WebRTC peers in one swarm; a new one beyond it is refused. */
  maxPeersPerSwarm: number;
  /** A connection silent this long (no message, no pong to our pings) is closed. */
  idleTimeoutMs: number;
  /** Most bytes queued to one connection; a reader slower than that is closed, not buffered. */
  maxBufferedBytes: number;
  /** A peer not re-announced for this long is dropped by the sweep. */
  peerExpiryMs: number;
  /** How often the expiry sweep runs. */
  sweepMs: number;
  /** `interval` (seconds) told to clients. */
  interval(): number;
  /** How many peers get an announce's offers, from the client's numwant (-1 when absent). */
  numwant(requested: number): number;
  /** Deny/allow lists, rate limits: a failure reason, or null to serve the announce. */
  check(req: WsCheckRequest): string | null;
  /** The client's address for the per-IP cap and the check (a trusted proxy's XFF here). */
  clientAddress(req: IncomingMessage): string;
  /** Told the number of open connections whenever it changes. */
  onConnections(open: number): void;
  /** Told of every message by action and result. */
  onMessage(action: WsAction, result: WsResult): void;
}

/** bittorrent-tracker tells WebSocket clients a fifth of its 10-minute HTTP interval. */
const WS_INTERVAL_S = 120;

export const WS_DEFAULTS: Readonly<WsTrackerOptions> = {
  path: '/announce',
  maxConnections: 10000,
  maxConnectionsPerIp: 16,
  maxPayload: 64 * 1024,
  maxOffers: 10,
  maxScrapeHashes: 100,
  maxTorrentsPerConnection: 100,
  maxSwarms: 1_000_000,
  maxPeersPerSwarm: 10000,
  idleTimeoutMs: 60_000,
  maxBufferedBytes: 1024 * 1024,
  peerExpiryMs: 3 * WS_INTERVAL_S * 1000,
  sweepMs: 60_000,
  interval: () => WS_INTERVAL_S,
  numwant: (n) => (n < 0 ? 50 : Math.min(n, 200)),
  check: () => null,
  clientAddress: (req) => req.socket.remoteAddress ?? '',
  onConnections: () => {},
  onMessage: () => {},
};

export function wsOptions(partial: Partial<WsTrackerOptions> = {}): WsTrackerOptions {
  const o = { ...WS_DEFAULTS, ...partial };
  for (const k of Object.keys(WS_DEFAULTS) as (keyof WsTrackerOptions)[]) {
    const v = o[k];
    if (typeof WS_DEFAULTS[k] === 'number' && (typeof v !== 'number' || !(v >= 0))) {
      throw new RangeError(`ws option ${k} must be a non-negative number, got ${String(v)}`);
    }
  }
  return o;
}
