// Real `trakx run` processes (the built bundle) sharing one private redis-server: the
// environment that points them at it, and decoding of the compact peers they reply with.

import type { BValue } from '../helpers/bdecode.ts';
import { ensureBuilt, freePort, type Running, tempHome } from '../helpers/process.ts';
import type { RedisServer } from '../helpers/redis-server.ts';
import { runTracker, trackerEnv } from '../helpers/tracker-process.ts';

export const SECRET = '00112233445566778899aabbccddeeff';

export interface Instance {
  run: Running;
  /** HTTP and UDP port (the same number). */
  port: number;
  /** The environment it runs in (for `trakx status` against it). */
  env: NodeJS.ProcessEnv;
}

/** One tracker on `redis`, HTTP and UDP, with `extra` environment. */
export async function startInstance(
  redis: Pick<RedisServer, 'url'>,
  extra: Record<string, string> = {},
): Promise<Instance> {
  ensureBuilt();
  const port = await freePort();
  const home = tempHome();
  const vars = {
    TRAKX_DB_TYPE: 'redis',
    TRAKX_DB_REDIS_URL: redis.url,
    TRAKX_UDP_ENABLED: 'true',
    TRAKX_UDP_CONNECTIONS_SECRET: SECRET,
    ...extra,
  };
  const run = await runTracker(home, port, vars);
  return { run, port, env: trackerEnv(home, port, vars) };
}

/** Compact peers of a bencoded reply (`peers` for IPv4, `peers6` for IPv6) as "ip:port". */
export function compactPeers(reply: { [key: string]: BValue }, family: 4 | 6): string[] {
  const raw = reply[family === 4 ? 'peers' : 'peers6'];
  if (!Buffer.isBuffer(raw)) return [];
  const size = family === 4 ? 6 : 18;
  const out: string[] = [];
  for (let at = 0; at + size <= raw.length; at += size) {
    const ip =
      family === 4
        ? [...raw.subarray(at, at + 4)].join('.')
        : Array.from({ length: 8 }, (_, i) => raw.readUInt16BE(at + 2 * i).toString(16)).join(':');
    out.push(`${ip}:${raw.readUInt16BE(at + size - 2)}`);
  }
  return out;
}
