// Drives lt_swarm.py: two libtorrent sessions (Debian's python3-libtorrent, libtorrent's
// default settings but DHT, LSD, UPnP and NAT-PMP off) that can meet only through the
// tracker(s) named, and what the script reports about how they met.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipWithout, toolMissing } from '../helpers/required-tool.ts';

// python3-libtorrent installs for the system Python only; other Pythons on PATH
// (pyenv, venvs) cannot import it.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./lt_swarm.py', import.meta.url));
/** Seconds the script gives a download; loopback downloads take 1–2 s. */
export const DOWNLOAD_TIMEOUT = 25;
/** Seconds the negative control waits for a download that must not happen. */
export const CONTROL_TIMEOUT = 6;

export const missing = toolMissing(PYTHON, ['-c', 'import libtorrent'], 'python3-libtorrent');
export const skip = skipWithout(missing);

export interface SwarmResult {
  ok: boolean;
  completed: boolean;
  verified: boolean;
  seconds: number;
  info_hash: string;
  tracker_hashes: string[];
  seeder_listen: number;
  leecher_listen: number;
  leecher_peer_sources: string[];
  leecher_peers: string[];
  peer_connects: number;
  outgoing: { who: string; ep: string; type: string }[];
  incoming: { who: string; ep: string; type: string }[];
  tracker_replies: { who: string; url: string; num_peers: number }[];
  tracker_errors: { who: string; url: string; status: number; error: string; reason: string }[];
  tracker_error_count: number;
  tracker_warnings: { who: string; message: string }[];
  remote_extensions: string[];
  settings: Record<string, boolean>;
  dht_running: boolean;
}

export interface SwarmRun {
  result: SwarmResult;
  /** Whether both sessions sent `stopped` (only those that had reached the tracker). */
  stopsSent: boolean;
  code: number | null;
  stderr: string;
}

export interface SwarmOptions {
  /** Called with the result while both sessions are still in the swarm. */
  whileRunning?: (r: SwarmResult) => void | Promise<void>;
  /** Called after both sessions sent `stopped`, while they are still up to finish it. */
  afterStop?: (r: SwarmResult) => void | Promise<void>;
  hybrid?: boolean;
  /** The leecher announces here instead (another instance sharing the swarms). */
  leecherAnnounce?: string;
}

/**
 * Runs lt_swarm.py --hold: it prints the result and waits for a line, then stops the
 * torrents, prints {"stops_sent"} and waits for another line before it exits.
 */
export function runSwarm(
  announce: string,
  iface: string,
  timeout: number,
  opts: SwarmOptions = {},
): Promise<SwarmRun> {
  const dir = mkdtempSync(join(tmpdir(), 'trakx-lt-'));
  const args = [SCRIPT, '--announce', announce, '--iface', iface, '--dir', dir];
  args.push('--timeout', String(timeout), '--hold', '--hold-timeout', '20');
  if (opts.hybrid) args.push('--hybrid');
  if (opts.leecherAnnounce) args.push('--leecher-announce', opts.leecherAnnounce);
  const child: ChildProcess = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  // Hard stop for this one child if the script itself hangs.
  const killer = setTimeout(() => child.kill('SIGKILL'), (timeout + 60) * 1000);
  let out = '';
  let stderr = '';
  const lines: string[] = [];
  let result: SwarmResult | undefined;
  let stopsSent = false;
  let steps: Promise<void> = Promise.resolve();
  let inspectError: unknown;
  // Runs a caller's check, keeping its first failure, then lets the script go on.
  const step = (check: (() => void | Promise<void>) | undefined, reply: () => void) => {
    steps = steps.then(async () => {
      try {
        if (check && !inspectError) await check();
      } catch (err) {
        inspectError = err;
      } finally {
        reply();
      }
    });
  };
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      lines.push(out.slice(0, nl));
      out = out.slice(nl + 1);
      if (lines.length === 1) {
        const r = JSON.parse(lines[0]) as SwarmResult;
        result = r;
        step(opts.whileRunning && (() => opts.whileRunning!(r)), () => child.stdin?.write('stop\n'));
      } else if (lines.length === 2) {
        stopsSent = (JSON.parse(lines[1]) as { stops_sent: boolean }).stops_sent;
        const r = result!;
        step(opts.afterStop && (() => opts.afterStop!(r)), () => child.stdin?.end('exit\n'));
      }
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', async (code) => {
      clearTimeout(killer);
      await steps;
      rmSync(dir, { recursive: true, force: true });
      if (inspectError) return reject(inspectError);
      if (!result) return reject(new Error(`lt_swarm.py printed no result (exit ${code}): ${stderr}`));
      resolve({ result, stopsSent, code, stderr });
    });
  });
}

/**
 * Retries `check` until it stops throwing or `ms` pass (then rethrows): the clients'
 * `completed` and `stopped` announces race the script's own output by a few ms.
 */
export async function eventually(check: () => void, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((res) => setTimeout(res, 50));
    }
  }
}
