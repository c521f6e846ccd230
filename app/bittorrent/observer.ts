// What the frontends report about each request, for metrics. Small integer codes keep
// the hot path free of strings; app/metrics/ implements this with prom-client and maps
// the codes to static label values. NULL_OBSERVER is used when metrics are off.

import type { LimitObserver } from './limits.ts';

export {
  LIMIT_CONNECTIONS,
  LIMIT_DENIED,
  LIMIT_HEADER_SIZE,
  LIMIT_NOT_ALLOWED,
  LIMIT_PEERS_PER_IP,
  LIMIT_PEERS_PER_TORRENT,
  LIMIT_RATE,
  LIMIT_SCRAPE_HASHES,
  LIMIT_TIMEOUT,
  LIMIT_TORRENTS,
  LIMITS,
  type LimitKind,
} from './limits.ts';

// Each frontend's protocol label (PROTOCOLS) and its code, the label's index: the one
// list a new frontend adds itself to for its metrics.
export const PROTO_HTTP = 0;
export const PROTO_UDP = 1;
export type Protocol = typeof PROTO_HTTP | typeof PROTO_UDP;
export const PROTOCOLS = ['http', 'udp'] as const;

export const REQ_CONNECT = 0;
export const REQ_ANNOUNCE = 1;
export const REQ_SCRAPE = 2;
export type RequestKind = typeof REQ_CONNECT | typeof REQ_ANNOUNCE | typeof REQ_SCRAPE;
export const REQUEST_KINDS = ['connect', 'announce', 'scrape'] as const;

/** Whether `protocol` has `action` at all: connect is UDP's handshake (BEP 15), HTTP has none. */
export function hasAction(protocol: Protocol, action: RequestKind): boolean {
  return protocol !== PROTO_HTTP || action !== REQ_CONNECT;
}

export const RESULT_OK = 0;
export const RESULT_CLIENT_ERROR = 1;
export const RESULT_SERVER_ERROR = 2;
export type Result = typeof RESULT_OK | typeof RESULT_CLIENT_ERROR | typeof RESULT_SERVER_ERROR;
export const RESULTS = ['ok', 'client_error', 'server_error'] as const;

/** Announce events as counted (index = AnnounceEvent code 0..4). */
export const EVENTS = ['none', 'completed', 'started', 'stopped', 'paused'] as const;

/** limitHit(kind) (from LimitObserver): an abuse limit refused or trimmed something; kind indexes LIMITS. */
export interface RequestObserver extends LimitObserver {
  /** A request finished. `start` is performance.now() when it arrived. */
  request(protocol: Protocol, action: RequestKind, result: Result, start: number): void;
  /** A valid announce with its event code (0..4). */
  announce(event: number): void;
  /** A UDP error packet was sent (reason is one of a fixed set of short strings). */
  udpError(reason: string): void;
  /** Payload bytes received and sent. */
  bytes(protocol: Protocol, received: number, sent: number): void;
}

export const NULL_OBSERVER: RequestObserver = {
  request() {},
  announce() {},
  udpError() {},
  bytes() {},
  limitHit() {},
};
