// A real `trakx run` (the built bundle) on a free port in a temporary HOME, and talking
// to it over HTTP: announce from a chosen loopback source address (127.0.0.0/8 all
// reaches the host, so peers can differ by address), scrape.

import { bdict } from './bdecode.ts';
import { get, pct } from './http-client.ts';
import { type Running, startTrakx, trakxEnv, waitForHeartbeat } from './process.ts';

/** Environment of a tracker in `home` on `port`: HTTP, and UDP only when `extra` enables it. */
export function trackerEnv(
  home: string,
  port: number,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return trakxEnv(home, {
    TRAKX_HTTP_PORT: String(port),
    TRAKX_UDP_PORT: String(port),
    TRAKX_UDP_ENABLED: 'false',
    TRAKX_LOGLEVEL: 'info',
    ...extra,
  });
}

/** `trakx run` in `home` on `port`; resolves once /heartbeat answers. */
export async function runTracker(
  home: string,
  port: number,
  extra: Record<string, string> = {},
): Promise<Running> {
  const run = startTrakx(['run'], trackerEnv(home, port, extra));
  await waitForHeartbeat(run, port);
  return run;
}

export interface Announce {
  hash: Buffer;
  id: Buffer;
  port: number;
  left?: number;
  event?: string;
  /** Source address: 127.x.y.z for IPv4, '::1' for IPv6 (sent to the IPv6 loopback). */
  from?: string;
}

/** Announce and return the decoded reply (throws on a failure reason). */
export async function announce(trackerPort: number, a: Announce) {
  let path = `/announce?info_hash=${pct(a.hash)}&peer_id=${pct(a.id)}&port=${a.port}`;
  path += `&uploaded=0&downloaded=0&left=${a.left ?? 1000}&compact=1&numwant=200`;
  if (a.event) path += `&event=${a.event}`;
  const v6 = a.from === '::1';
  const res = v6
    ? await get('::1', trackerPort, path)
    : await get('127.0.0.1', trackerPort, path, { localAddress: a.from ?? '127.0.0.1' });
  const reply = bdict(res.body);
  if (reply['failure reason']) throw new Error(`announce failed: ${String(reply['failure reason'])}`);
  return reply;
}

export interface Counts {
  complete: number;
  downloaded: number;
  incomplete: number;
}

export async function scrape(trackerPort: number, hashes: Buffer[]): Promise<Counts[]> {
  const path = `/scrape?${hashes.map((h) => `info_hash=${pct(h)}`).join('&')}`;
  const reply = bdict((await get('127.0.0.1', trackerPort, path)).body);
  const files = reply.files as Record<string, Record<string, number>>;
  return hashes.map((h) => {
    const f = files[h.toString('latin1')];
    if (!f) throw new Error('hash missing from scrape');
    return { complete: f.complete!, downloaded: f.downloaded!, incomplete: f.incomplete! };
  });
}
