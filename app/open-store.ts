// The swarm store the configuration asks for (db.type): the in-memory one, or the
// Redis one shared by several instances, with what running it needs (its health for
// /heartbeat, metrics, a periodic torrent count, closing the connection).

import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import { ConfigError } from './config/load.ts';
import type { Config } from './config/types.ts';
import { MemoryStore } from './swarm/memory-store.ts';
import { RedisStore } from './swarm/redis/redis-store.ts';
import { parseRedisUrl, type RedisTarget, redact } from './swarm/redis/url.ts';
import type { StoreAdmin, SwarmStore } from './swarm/store.ts';

export interface OpenedStore {
  readonly store: SwarmStore & StoreAdmin;
  /** The Redis store, or null in memory mode. */
  readonly redis: RedisStore | null;
  close(): Promise<void>;
}

/**
 * How often totals() is refreshed from Redis: one ZCOUNT, for the trakx_torrents gauge (in
 * cluster mode also the count db.maxTorrents is held to).
 */
const TOTALS_EVERY_MS = 15_000;

export function openStore(config: Config, now: () => number, logger: Logger): OpenedStore {
  const db = config.db;
  if (db.type === 'memory') {
    const store = new MemoryStore({
      maxTorrents: db.maxTorrents,
      maxPeersPerTorrent: db.maxPeersPerTorrent,
      maxPeersPerIp: config.limits.peersPerIp,
    });
    return { store, redis: null, close: () => Promise.resolve() };
  }
  const r = db.redis;
  let target: RedisTarget;
  try {
    target = parseRedisUrl(r.url);
  } catch (err) {
    throw new ConfigError('db.redis.url', (err as Error).message);
  }
  if (r.cluster && (target.path !== '' || target.db !== 0)) {
    throw new ConfigError(
      'db.redis.url',
      `${redact(r.url)}: with db.redis.cluster the url names a node as redis:// or rediss://host:port (database 0 only)`,
    );
  }
  if (/[{}]/.test(r.prefix)) {
    throw new ConfigError(
      'db.redis.prefix',
      `${JSON.stringify(r.prefix)} is not allowed; braces would break the per-torrent hash tag`,
    );
  }
  let down = '';
  let wasUp: boolean | null = null;
  const store = new RedisStore({
    url: r.url,
    cluster: r.cluster,
    prefix: r.prefix,
    timeout: Math.max(1, Math.round(r.timeout * 1000)),
    maxInFlight: r.maxInFlight,
    tls: tlsFiles(config),
    peerTtl: db.expiry,
    maxPeersPerTorrent: db.maxPeersPerTorrent,
    maxTorrents: db.maxTorrents,
    maxPeersPerIp: config.limits.peersPerIp,
    eventsStream: config.events.stream === '' ? undefined : config.events.stream,
    eventsMaxLen: config.events.maxLen,
    now,
    // Logged once per change of state, not per failed request.
    onError: (err) => {
      if (down === '') down = err.message;
    },
    onState: (up) => {
      if (up === wasUp) return;
      wasUp = up;
      // Cluster mode: the count db.maxTorrents is held to, as soon as the cluster answers.
      if (up && r.cluster) store.refreshTotals().catch(() => {});
      if (up) logger.info({ at: store.swarm.describe() }, 'redis up');
      else logger.warn({ why: down || 'not answering' }, 'redis unavailable: requests fail with retry in');
      down = '';
    },
  });
  const refresh = setInterval(() => {
    store.refreshTotals().catch(() => {});
  }, TOTALS_EVERY_MS);
  refresh.unref();
  return {
    store,
    redis: store,
    close() {
      clearInterval(refresh);
      return store.close();
    },
  };
}

function tlsFiles(config: Config): ConnectionOptions | undefined {
  const r = config.db.redis;
  const read = (key: string, path: string): Buffer | undefined => {
    if (path === '') return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(key, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  const ca = read('db.redis.tlsCa', r.tlsCa);
  const cert = read('db.redis.tlsCert', r.tlsCert);
  const key = read('db.redis.tlsKey', r.tlsKey);
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError(cert ? 'db.redis.tlsKey' : 'db.redis.tlsCert', 'tlsCert and tlsKey go together');
  }
  if (ca === undefined && cert === undefined) return undefined;
  return { ca, cert, key };
}
