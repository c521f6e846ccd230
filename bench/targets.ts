// The trackers and ceilings under test, each started as a fresh process pinned to the
// tracker CPU, and stopped after its run. A target is ready when it answers a BEP 15
// connect (UDP targets) and an HTTP request (HTTP targets).

import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { NODE_FLAGS } from '../app/runtime/node-flags.ts';
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
  /** RSS right after start-up, before any load. */
  baseRssKiB: number;
  stop(): Promise<void>;
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
      const script = trakxScript(t, id);
      const workers = WORKERS[id];
      // Launched as every trakx launcher does (npx, npm start, trakx start, Docker); the
      // unpinned one lets its threads run on any CPU (the generator's too).
      const argv = [process.execPath, ...NODE_FLAGS, script, 'run'];
      child = launch(
        t,
        argv,
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
          ...(workers ? { TRAKX_WORKERS: String(workers) } : {}),
          ...opts.env,
        },
        id !== 'trakx-w2-spread',
      );
      break;
    }
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
    baseRssKiB: rssKiB(pid),
    async stop() {
      await stopChild(child);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
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
