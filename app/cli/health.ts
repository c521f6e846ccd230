// Liveness checks for `trakx status` and `trakx start`: the HTTP `/heartbeat` route and
// the UDP heartbeat (a 16-byte packet with action 4 at bytes 8–11, answered by the single
// byte 0xFF), both answered by whichever worker thread the kernel picks, and the workers
// the main thread reports alive in /stats. A wildcard listen address is probed on loopback.

import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { isIPv6 } from 'node:net';
import type { Config } from '../config/types.ts';

/** `degraded`: the tracker answers, but its shared store does not (503 from /heartbeat). */
export type Check = 'ok' | 'degraded' | 'fail' | 'off';

/** What one HTTP probe saw: the check, and the reason a degraded tracker gives. */
interface HttpProbe {
  check: Check;
  why: string;
}

/** Loopback addresses that reach a server listening on `ip`. */
export function probeHosts(ip: string): string[] {
  if (ip === '::' || ip === '') return ['127.0.0.1', '::1'];
  if (ip === '0.0.0.0') return ['127.0.0.1'];
  return [ip];
}

const FAILED: HttpProbe = { check: 'fail', why: '' };

function httpOnce(host: string, port: number, timeoutMs: number): Promise<HttpProbe> {
  return new Promise((resolve) => {
    const req = request(
      { host, port, path: '/heartbeat', method: 'GET', timeout: timeoutMs, headers: { connection: 'close' } },
      (res) => {
        if (res.statusCode === 200) {
          res.resume();
          resolve({ check: 'ok', why: '' });
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 500) body += c;
        });
        res.on('end', () =>
          resolve(
            res.statusCode === 503 && body.startsWith('degraded: ')
              ? { check: 'degraded', why: body.slice('degraded: '.length).trim() }
              : FAILED,
          ),
        );
        res.on('error', () => resolve(FAILED));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(FAILED));
    req.end();
  });
}

function udpOnce(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const packet = Buffer.alloc(16);
    packet.writeUInt32BE(4, 8);
    packet.writeUInt32BE((Math.random() * 0xffffffff) >>> 0, 12);
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(resend);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    // Loopback rarely drops a datagram, but a busy socket buffer can: send three times.
    const resend = setInterval(() => socket.send(packet, port, host), timeoutMs / 3);
    socket.on('message', (msg) => {
      if (msg.length === 1 && msg[0] === 0xff) finish(true);
    });
    socket.on('error', () => finish(false));
    socket.send(packet, port, host);
  });
}

/** Probe every host at once; true if any answers. */
async function anyHost(hosts: string[], probe: (host: string) => Promise<boolean>): Promise<boolean> {
  const results = await Promise.all(hosts.map(probe));
  return results.includes(true);
}

/** The HTTP heartbeat, with the reason when the tracker says it is degraded ('' otherwise). */
export async function httpHeartbeat(config: Config, timeoutMs = 1000): Promise<HttpProbe> {
  if (!config.http.enabled) return { check: 'off', why: '' };
  const all = await Promise.all(
    probeHosts(config.http.ip).map((h) => httpOnce(h, config.http.port, timeoutMs)),
  );
  return all.find((p) => p.check === 'ok') ?? all.find((p) => p.check === 'degraded') ?? FAILED;
}

export async function udpHeartbeat(config: Config, timeoutMs = 1000): Promise<Check> {
  if (!config.udp.enabled) return 'off';
  const ok = await anyHost(probeHosts(config.udp.ip), (h) => udpOnce(h, config.udp.port, timeoutMs));
  return ok ? 'ok' : 'fail';
}

export type WorkersCheck = { live: number; configured: number } | 'fail' | 'off';

function statsOnce(host: string, port: number, timeoutMs: number): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    const req = request(
      { host, port, path: '/stats', method: 'GET', timeout: timeoutMs, headers: { connection: 'close' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(res.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString()) : null);
          } catch {
            resolve(null);
          }
        });
        res.on('error', () => resolve(null));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** Workers alive against configured, from /stats (off when no listener serves it). */
export async function workersCheck(config: Config, timeoutMs = 1000): Promise<WorkersCheck> {
  if (!config.metrics.enabled) return 'off';
  const separate = config.metrics.port > 0;
  if (!separate && !config.http.enabled) return 'off';
  const hosts = probeHosts(separate ? config.metrics.ip : config.http.ip);
  const port = separate ? config.metrics.port : config.http.port;
  for (const host of hosts) {
    const stats = await statsOnce(host, port, timeoutMs);
    const live = stats?.['trakx.workers.live'];
    const configured = stats?.['trakx.workers.configured'];
    if (typeof live === 'number' && typeof configured === 'number') return { live, configured };
  }
  return 'fail';
}
