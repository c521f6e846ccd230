// The validated configuration as the rest of the app sees it. Durations are seconds.
// It is built once by load.ts and passed down; nothing reads it from a global.

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Config {
  loglevel: LogLevel;
  /** Worker threads; load.ts turns the schema's 0 (one per core) into the count. */
  workers: number;
  announce: { base: number; fuzz: number; min: number };
  http: { enabled: boolean; ip: string; port: number; trustProxy: string[] };
  udp: {
    enabled: boolean;
    ip: string;
    port: number;
    bufferSize: number;
    io: 'auto' | 'batch' | 'dgram';
    /** secret: '' or 32 hex characters (schema `hexSecret`). */
    connections: { expiry: number; secret: string };
  };
  ws: {
    enabled: boolean;
    maxConnections: number;
    maxConnectionsPerIp: number;
    maxMessageBytes: number;
    maxOffers: number;
    maxTorrentsPerConnection: number;
    idleTimeout: number;
    maxBufferedBytes: number;
  };
  numwant: { default: number; limit: number };
  scrape: { maxHashes: number };
  limits: {
    peersPerIp: number;
    announceRate: number;
    announceBurst: number;
    rateTableSize: number;
    maxHeaderSize: number;
    requestTimeout: number;
    idleTimeout: number;
    maxConnections: number;
    denylist: string;
    allowlist: string;
    listPoll: number;
  };
  db: {
    type: 'memory' | 'redis';
    /** timeout in seconds; tls* are PEM file paths ('' = none). */
    redis: {
      url: string;
      cluster: boolean;
      prefix: string;
      timeout: number;
      maxInFlight: number;
      tlsCa: string;
      tlsCert: string;
      tlsKey: string;
    };
    expiry: number;
    trim: number;
    maxPeersPerTorrent: number;
    maxTorrents: number;
    backup: { interval: number; path: string };
  };
  /** Peer events to a Redis Stream (db.type redis); stream '' = off. */
  events: { stream: string; maxLen: number };
  metrics: { enabled: boolean; ip: string; port: number; histogram: boolean };
  path: { pid: string; log: string };
}
