// The trackers and ceilings under test, each started as a fresh process pinned to the
// tracker CPU, and stopped after its run. A target is ready when it answers a BEP 15
// connect (UDP targets) and an HTTP request (HTTP targets).

import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { NODE_FLAGS } from '../app/runtime/node-flags.ts';
import { RedisServer } from '../test/helpers/redis-server.ts';
import type { Child } from './bundle.ts';
import { infohashHexLines, makeInfohashes, type PoolSpec } from './pool.ts';
import { PREVIOUS_RELEASE } from './previous-release.ts';
import { rssKiB } from './proc.ts';
import {
  ACTION_ERROR,
  ANNOUNCE_LEN,
  EVENT_STARTED,
  writeAnnounceBody,
  writeConnect,
  writeHeader,
} from './udp-wire.ts';

export type TargetId =
  | 'bare-dgram'
  | 'bare-http'
  | 'bare-fastify'
  | 'trakx'
  | 'trakx-fast'
  | 'trakx-redis'
  | 'trakx-w1'
  | 'trakx-w2'
  | 'trakx-w2-spread'
  | 'trakx-prev'
  | 'bittorrent-tracker'
  | 'opentracker';

export interface TargetInfo {
  id: TargetId;
  label: string;
  udp: boolean;
  http: boolean;
  /** Stateless responders need no preload and hold no peers. */
  stateless: boolean;
}

export const TARGETS: Record<TargetId, TargetInfo> = {
  'bare-dgram': { id: 'bare-dgram', label: 'bare node:dgram', udp: true, http: false, stateless: true },
  'bare-http': { id: 'bare-http', label: 'bare node:http', udp: false, http: true, stateless: true },
  'bare-fastify': { id: 'bare-fastify', label: 'bare Fastify', udp: false, http: true, stateless: true },
  trakx: { id: 'trakx', label: 'trakx', udp: true, http: true, stateless: false },
  'trakx-fast': { id: 'trakx-fast', label: 'trakx fast', udp: true, http: true, stateless: false },
  'trakx-w1': { id: 'trakx-w1', label: 'trakx, workers: 1', udp: true, http: true, stateless: false },
  'trakx-w2': { id: 'trakx-w2', label: 'trakx, workers: 2', udp: true, http: true, stateless: false },
  'trakx-w2-spread': {
    id: 'trakx-w2-spread',
    label: 'trakx, workers: 2, not pinned',
    udp: true,
    http: true,
    stateless: false,
  },
  'trakx-prev': {
    id: 'trakx-prev',
    label: `trakx ${PREVIOUS_RELEASE} (previous release)`,
    udp: true,
    http: true,
    stateless: false,
  },
  'trakx-redis': {
    id: 'trakx-redis',
    label: 'trakx redis mode, 2 instances',
    udp: true,
    http: true,
    stateless: false,
  },
  'bittorrent-tracker': {
    id: 'bittorrent-tracker',
    label: 'bittorrent-tracker',
    udp: true,
    http: true,
    stateless: false,
  },
  opentracker: { id: 'opentracker', label: 'opentracker', udp: true, http: true, stateless: false },
};

export interface TargetEnv {
  repo: string;
  children: Record<Child, string>;
  /** `taskset -c <cpu>` prefix, empty when taskset is missing. */
  pin: (cpu: string) => string[];
  trackerCpu: string;
  /** The load generator's CPU, which a Redis target's redis-server shares. */
  generatorCpu: string;
  workDir: string;
  opentrackerBin: string | null;
  /** The previous release's dist/trakx.js (previous-release.ts), null when not built. */
  previousBuild: string | null;
}

export interface Running {
  info: TargetInfo;
  pid: number;
  udpPort: number;
  httpPort: number;
  /** Every instance of the tracker (one but for trakx-redis): pids and UDP ports. */
  instances: { pid: number; udpPort: number }[];
  /** The redis-server of trakx-redis, and its counters now. */
  redisPid?: number;
  redisStats?: () => RedisStats;
  /** RSS right after start-up, before any load. */
  baseRssKiB: number;
  stop(): Promise<void>;
}

/** Cumulative counters of a redis-server (INFO): script calls, their time, socket reads. */
export interface RedisStats {
  calls: number;
  usec: number;
  reads: number;
}

/** INFO of the redis-server on `port`: EVALSHA calls and their microseconds, reads processed. */
function redisStats(port: number): RedisStats {
  const info = execFileSync('redis-cli', ['-p', String(port), 'INFO', 'all'], { encoding: 'utf8' });
  // No cmdstat_evalsha line before the first call: zero.
  const num = (re: RegExp): number => Number(re.exec(info)?.[1] ?? 0);
  return {
    calls: num(/^cmdstat_evalsha:calls=(\d+)/m),
    usec: num(/^cmdstat_evalsha:calls=\d+,usec=(\d+)/m),
    reads: num(/^total_reads_processed:(\d+)/m),
  };
}

export interface StartOptions {
  pool: PoolSpec;
  /** Extra TRAKX_* settings (the soak shortens expiry). */
  env?: Record<string, string>;
  /** Pause after start-up so start-up garbage settles before the RSS baseline. */
  settleMs: number;
}

export async function startTarget(t: TargetEnv, id: TargetId, opts: StartOptions): Promise<Running> {
  const info = TARGETS[id];
  let child: ChildProcess;
  let udpPort = 0;
  let httpPort = 0;
  /** Per-run directories (trakx's HOME, opentracker's chroot), removed after the run. */
  let dir = '';
  switch (id) {
    case 'bare-dgram':
    case 'bare-http':
    case 'bare-fastify':
    case 'bittorrent-tracker': {
      child = launch(t, [process.execPath, t.children[`servers/${id}`]], process.env);
      const ready = await readyLine(child, id);
      udpPort = ready.udpPort ?? 0;
      httpPort = ready.httpPort ?? 0;
      break;
    }
    case 'trakx':
    case 'trakx-fast':
    case 'trakx-w1':
    case 'trakx-w2':
    case 'trakx-w2-spread':
    case 'trakx-prev': {
      const port = await freePort();
      udpPort = port;
      httpPort = port;
      dir = mkdtempSync(join(t.workDir, `${id}-`));
      child = launchTrakx(
        t,
        trakxScript(t, id),
        dir,
        port,
        { ...(WORKERS[id] ? { TRAKX_WORKERS: String(WORKERS[id]) } : {}), ...opts.env },
        // The unpinned one lets its threads run on any CPU (the generator's too).
        id !== 'trakx-w2-spread',
      );
      break;
    }
    case 'trakx-redis':
      return startRedisMode(t, opts);
    case 'opentracker': {
      if (!t.opentrackerBin) throw new Error('opentracker is not installed');
      const port = await freePort();
      udpPort = port;
      httpPort = port;
      // Debian's opentracker is whitelist-only and chroots to -d as root, then drops to
      // nobody: the whitelist lives inside that world-readable directory.
      dir = mkdtempSync(join(t.workDir, 'opentracker-'));
      chmodSync(dir, 0o755);
      writeFileSync(
        join(dir, 'whitelist.txt'),
        infohashHexLines(makeInfohashes(opts.pool.torrents), opts.pool.torrents),
      );
      writeFileSync(join(dir, 'opentracker.conf'), 'access.whitelist /whitelist.txt\n');
      child = launch(
        t,
        [
          t.opentrackerBin,
          '-f',
          join(dir, 'opentracker.conf'),
          '-i',
          '127.0.0.1',
          '-p',
          String(port),
          '-P',
          String(port),
          '-d',
          dir,
        ],
        process.env,
      );
      break;
    }
  }
  const pid = child.pid ?? 0;
  try {
    if (info.udp) await waitUdp(child, udpPort);
    if (info.http) await waitHttp(child, httpPort);
    if (id === 'opentracker') await waitWhitelisted(child, udpPort, opts.pool);
  } catch (err) {
    await stopChild(child);
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  await sleep(opts.settleMs);
  return {
    info,
    pid,
    udpPort,
    httpPort,
    instances: [{ pid, udpPort }],
    baseRssKiB: rssKiB(pid),
    async stop() {
      await stopChild(child);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** trakx on `port` (HTTP and UDP, 127.0.0.1), HOME in `dir`, as every trakx launcher starts it. */
function launchTrakx(
  t: TargetEnv,
  script: string,
  dir: string,
  port: number,
  env: Record<string, string> = {},
  pinned = true,
): ChildProcess {
  return launch(
    t,
    [process.execPath, ...NODE_FLAGS, script, 'run'],
    {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      TRAKX_HTTP_PORT: String(port),
      TRAKX_UDP_PORT: String(port),
      TRAKX_HTTP_IP: '127.0.0.1',
      TRAKX_UDP_IP: '127.0.0.1',
      TRAKX_DB_BACKUP_INTERVAL: '0',
      TRAKX_LOGLEVEL: 'warn',
      // Every simulated peer comes from 127.0.0.1: per-address limits stay off, as they are
      // by default, whatever the defaults become.
      TRAKX_LIMITS_PEERSPERIP: '0',
      TRAKX_LIMITS_ANNOUNCERATE: '0',
      ...env,
    },
    pinned,
  );
}

/**
 * Redis mode as operators run it: a private redis-server (on the generator's CPU) and two
 * trakx instances (on the tracker CPU) sharing it and their connection-id secret.
 */
async function startRedisMode(t: TargetEnv, opts: StartOptions): Promise<Running> {
  const redis = await new RedisServer().start();
  pinPid(t, redis.pid, t.generatorCpu);
  const dir = mkdtempSync(join(t.workDir, 'trakx-redis-'));
  const env = {
    TRAKX_DB_TYPE: 'redis',
    TRAKX_DB_REDIS_URL: redis.url,
    TRAKX_UDP_CONNECTIONS_SECRET: randomBytes(16).toString('hex'),
    ...opts.env,
  };
  const children: ChildProcess[] = [];
  const instances: { pid: number; udpPort: number }[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopChild));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const name of ['a', 'b']) {
      const port = await freePort();
      const home = join(dir, name);
      mkdirSync(home);
      const child = launchTrakx(t, join(t.repo, 'dist/trakx.js'), home, port, env);
      children.push(child);
      await waitUdp(child, port);
      await waitHttp(child, port);
      instances.push({ pid: child.pid ?? 0, udpPort: port });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  await sleep(opts.settleMs);
  const [a] = instances;
  return {
    info: TARGETS['trakx-redis'],
    pid: a.pid,
    udpPort: a.udpPort,
    httpPort: a.udpPort,
    instances,
    redisPid: redis.pid,
    redisStats: () => redisStats(redis.port),
    baseRssKiB: rssKiB(a.pid),
    stop,
  };
}

function pinPid(t: TargetEnv, pid: number, cpu: string): void {
  const prefix = t.pin(cpu);
  if (prefix.length > 0) spawnSync(prefix[0], ['-cp', cpu, String(pid)], { stdio: 'ignore' });
}

/** Worker threads of the trakx targets that set them (the others take the default). */
const WORKERS: Partial<Record<TargetId, number>> = { 'trakx-w1': 1, 'trakx-w2': 2, 'trakx-w2-spread': 2 };

function trakxScript(t: TargetEnv, id: TargetId): string {
  if (id === 'trakx-fast') return join(t.repo, 'dist-fast/trakx.js');
  if (id !== 'trakx-prev') return join(t.repo, 'dist/trakx.js');
  if (!t.previousBuild) throw new Error(`the build of ${PREVIOUS_RELEASE} is missing`);
  return t.previousBuild;
}

function launch(t: TargetEnv, argv: string[], env: NodeJS.ProcessEnv, pinned = true): ChildProcess {
  const full = [...(pinned ? t.pin(t.trackerCpu) : []), ...argv];
  const child = spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
  // Keep the last lines of output for error messages; never let a full pipe block it.
  const tail: string[] = [];
  const keep = (d: Buffer): void => {
    tail.push(d.toString('utf8'));
    if (tail.length > 20) tail.shift();
  };
  child.stderr?.on('data', keep);
  (child as ChildProcess & { tail?: string[] }).tail = tail;
  return child;
}

function outputTail(child: ChildProcess): string {
  return ((child as ChildProcess & { tail?: string[] }).tail ?? []).join('').trim().slice(-600);
}

function readyLine(child: ChildProcess, id: string): Promise<{ udpPort?: number; httpPort?: number }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${id} did not start: ${outputTail(child)}`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(buf.slice(0, nl)) as { udpPort?: number; httpPort?: number });
        } catch {
          reject(new Error(`${id}: unexpected output ${buf.slice(0, 200)}`));
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${id} exited with ${code}: ${outputTail(child)}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** A port free for both TCP and UDP on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

function exitedError(child: ChildProcess, what: string): Error | null {
  if (child.exitCode === null && child.signalCode === null) return null;
  return new Error(`${what} exited (${child.exitCode ?? child.signalCode}): ${outputTail(child)}`);
}

/** One BEP 15 exchange from a throwaway socket; resolves with the reply or null on timeout. */
export function udpExchange(port: number, packet: Buffer, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(null);
    }, timeoutMs);
    s.once('message', (msg) => {
      clearTimeout(timer);
      s.close();
      resolve(msg);
    });
    s.once('error', () => {});
    s.send(packet, port, '127.0.0.1');
  });
}

async function waitUdp(child: ChildProcess, port: number): Promise<void> {
  const packet = Buffer.alloc(16);
  writeConnect(packet, 0x5eed);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const err = exitedError(child, 'tracker');
    if (err) throw err;
    const reply = await udpExchange(port, packet, 200);
    if (reply && reply.length >= 16 && reply.readUInt32BE(0) === 0) return;
  }
  throw new Error(`no UDP connect reply on port ${port}: ${outputTail(child)}`);
}

async function waitHttp(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const err = exitedError(child, 'tracker');
    if (err) throw err;
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 500 }, (res) => {
        res.resume();
        res.on('end', () => resolve(true));
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`no HTTP reply on port ${port}: ${outputTail(child)}`);
}

/** opentracker reads its whitelist in the background: wait until a pool hash is accepted. */
async function waitWhitelisted(child: ChildProcess, port: number, pool: PoolSpec): Promise<void> {
  const connect = Buffer.alloc(16);
  writeConnect(connect, 1);
  const hashes = makeInfohashes(pool.torrents);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const err = exitedError(child, 'opentracker');
    if (err) throw err;
    const c = await udpExchange(port, connect, 300);
    if (c && c.length >= 16) {
      const a = Buffer.alloc(ANNOUNCE_LEN);
      writeHeader(a, c.subarray(8, 16), 1, 2);
      // The last hash of the pool; probe peer on port 1 so it never collides with the pool's.
      writeAnnounceBody(a, hashes, pool.torrents - 1, 0, EVENT_STARTED, 0, 0, 1);
      const r = await udpExchange(port, a, 300);
      if (r && r.length >= 20 && r.readUInt32BE(0) !== ACTION_ERROR) {
        // Take the probe peer out again so the pool's figures are the pool's alone.
        writeAnnounceBody(a, hashes, pool.torrents - 1, 0, 3, 0, 0, 1);
        await udpExchange(port, a, 300);
        return;
      }
    }
    await sleep(200);
  }
  throw new Error('opentracker never accepted a whitelisted infohash');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function opentrackerPath(): string | null {
  for (const p of ['/usr/bin/opentracker', '/usr/sbin/opentracker', '/usr/local/bin/opentracker']) {
    if (existsSync(p)) return p;
  }
  return null;
}
