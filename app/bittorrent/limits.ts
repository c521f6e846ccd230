// The abuse limits, as small integer codes so counting a hit costs no string. The
// tracker and the servers report hits to a LimitObserver; app/bittorrent/observer.ts makes
// every RequestObserver one, and the metrics map the codes to the names in LIMITS.

/** A new torrent beyond db.maxTorrents was refused. */
export const LIMIT_TORRENTS = 0;
/** A new peer beyond db.maxPeersPerTorrent evicted the stalest one. */
export const LIMIT_PEERS_PER_TORRENT = 1;
/** A new peer beyond limits.peersPerIp (same /32 or /64 in one torrent) was refused. */
export const LIMIT_PEERS_PER_IP = 2;
/** An announce beyond limits.announceRate was refused. */
export const LIMIT_RATE = 3;
/** An announce for a hash on the deny list was refused. */
export const LIMIT_DENIED = 4;
/** An announce for a hash missing from the allow list was refused. */
export const LIMIT_NOT_ALLOWED = 5;
/** A scrape with more than scrape.maxHashes hashes (or a malformed UDP scrape) was refused. */
export const LIMIT_SCRAPE_HASHES = 6;
/** A connection beyond limits.maxConnections was dropped. */
export const LIMIT_CONNECTIONS = 7;
/** A request line and headers larger than limits.maxHeaderSize were refused (431). */
export const LIMIT_HEADER_SIZE = 8;
/** A request not complete within limits.requestTimeout was cut off (408). */
export const LIMIT_TIMEOUT = 9;

export type LimitKind = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** Label values, indexed by LimitKind. */
export const LIMITS = [
  'torrents',
  'peers_per_torrent',
  'peers_per_ip',
  'rate',
  'denied',
  'not_allowed',
  'scrape_hashes',
  'connections',
  'header_size',
  'timeout',
] as const;

export interface LimitObserver {
  limitHit(kind: LimitKind): void;
}

export const NULL_LIMIT_OBSERVER: LimitObserver = { limitHit() {} };
