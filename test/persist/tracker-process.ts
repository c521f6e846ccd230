// Runs the built tracker (`node dist/trakx.js …`) as a real process in a temporary HOME,
// and talks to it over HTTP: announce with a chosen loopback source address (127.0.0.0/8
// all reaches the host, so peers can differ by address), scrape, peer lists.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bdict } from '../helpers/bdecode.ts';
import { pct } from '../helpers/http-client.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BUNDLE = join(ROOT, 'dist', 'trakx.js');

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'trakx-proc-'));
}

/** A port free for both TCP and UDP on the wildcard address right now. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '::', ok));
    const port = (server.address() as { port: number }).port;
    const udp = createSocket('udp6');
    const udpOk = await new Promise<boolean>((ok) => {
      udp.once('error', () => ok(false));
      udp.bind(port, '::', () => ok(true));
    });
    udp.close();
    await new Promise((ok) => server.close(ok));
    if (udpOk) return port;
  }
  throw new Error('no free port');
}

/** Environment of a tracker in `home` on `port` (HTTP and, when `udp`, UDP). */
export function trackerEnv(
  home: string,
  port: number,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TRAKX_') && k !== 'PORT') env[k] = v;
  return {
    ...env,
    HOME: home,
    TRAKX_HTTP_PORT: String(port),
    TRAKX_UDP_PORT: String(port),
    TRAKX_UDP_ENABLED: 'false',
    TRAKX_LOGLEVEL: 'info',
    ...extra,
  };
}

export interface TrackerProcess {
  proc: ChildProcess;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** `node dist/trakx.js run` in `home`; resolves once /heartbeat answers. */
export async function runTracker(
  home: string,
  port: number,
  extra: Record<string, string> = {},
): Promise<TrackerProcess> {
  const proc = spawn(process.execPath, [BUNDLE, 'run'], {
    cwd: home,
    env: trackerEnv(home, port, extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) =>
    proc.once('exit', (code, signal) => ok({ code, signal })),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 15000;
  while (!(await heartbeat(port))) {
    if (gone || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`tracker did not come up:\n${out}`);
    }
    await sleep(50);
  }
  return { proc, port, exited, output: () => out };
}

export function httpGet(
  port: number,
  path: string,
  localAddress?: string,
  host = '127.0.0.1',
): Promise<{ status: number; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request({ host, port, path, localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

export async function heartbeat(port: number): Promise<boolean> {
  try {
    return (await httpGet(port, '/heartbeat')).status === 200;
  } catch {
    return false;
  }
}

export function infoHash(n: number, salt = 0): Buffer {
  const h = Buffer.alloc(20, 0x5a);
  h.writeUInt32BE(n, 0);
  h.writeUInt32BE(salt, 4);
  h[8] = 0x26; // '&': needs escaping
  return h;
}

export function peerId(n: number): Buffer {
  const id = Buffer.from('-PR0001-000000000000', 'latin1');
  id.write(String(n).padStart(12, '0'), 8, 'latin1');
  return id;
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
  const res = await httpGet(
    trackerPort,
    path,
    v6 ? undefined : (a.from ?? '127.0.0.1'),
    v6 ? '::1' : '127.0.0.1',
  );
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
  const reply = bdict((await httpGet(trackerPort, path)).body);
  const files = reply.files as Record<string, Record<string, number>>;
  return hashes.map((h) => {
    const f = files[h.toString('latin1')];
    if (!f) throw new Error('hash missing from scrape');
    return { complete: f.complete!, downloaded: f.downloaded!, incomplete: f.incomplete! };
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node dist/trakx.js <args>` with the environment of a tracker in `home`. */
export function cli(
  home: string,
  port: number,
  args: string[],
  extra: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((ok) => {
    execFile(
      process.execPath,
      [BUNDLE, ...args],
      {
        cwd: home,
        env: trackerEnv(home, port, extra),
        timeout: 30000,
        encoding: 'buffer',
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        ok({ code, stdout: stdout.toString('latin1'), stderr: stderr.toString() });
      },
    );
  });
}
