// `npm run bench:ws`: trakx's WebSocket tracker (app/frontend/ws) against bittorrent-tracker's own
// WebSocket server, same load generator (ws-load.ts), alternated run by run, each run on a
// fresh server process pinned to CPU 0 (the generator on CPU 1). Measures announces/s
// without offers and with WebTorrent-like offers, the server's CPU per 1k announces, and
// resident memory per open connection. Writes bench/ws-results.json, then re-renders
// bench/RESULTS.md (whose WebSocket section comes from it: ws-report.ts).
//   npm run bench:ws [-- --runs N --seconds S --conns N --hold N --out DIR]
// With --out (a smoke run's folder) it neither waits for the bench lock nor touches
// bench/RESULTS.md.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleChildren, WS_CHILDREN } from './bundle.ts';
import { benchLock } from './lock.ts';
import { cpuMs, rssKiB } from './proc.ts';
import type { WsLoadConfig, WsLoadResult } from './ws-load.ts';
import type { WsBenchResults, WsPhase, WsTargetId } from './ws-report.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repo = resolve(benchDir, '..');

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!(v > 0)) throw new Error(`--${name} needs a positive number`);
  return v;
}

const outIndex = process.argv.indexOf('--out');
const OUT = outIndex >= 0 ? resolve(process.argv[outIndex + 1] ?? '.') : null;
const RUNS = arg('runs', 3);
const SECONDS = arg('seconds', 8);
const CONNS = arg('conns', 200);
const HOLD = arg('hold', 4000);
const WARMUP = 2;
const TORRENTS = Math.max(1, Math.floor(CONNS / 10));

const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

/** The phases each target runs, in order, each on a fresh server. */
const PHASES: { id: WsPhase; cfg: Omit<WsLoadConfig, 'url'> }[] = [
  {
    id: 'plain',
    cfg: {
      mode: 'rate',
      conns: CONNS,
      torrents: TORRENTS,
      offers: 0,
      sdpBytes: 0,
      warmup: WARMUP,
      seconds: SECONDS,
    },
  },
  {
    id: 'offers',
    cfg: {
      mode: 'rate',
      conns: CONNS,
      torrents: TORRENTS,
      offers: 5,
      sdpBytes: 600,
      warmup: WARMUP,
      seconds: SECONDS,
    },
  },
  {
    id: 'hold',
    cfg: {
      mode: 'hold',
      conns: HOLD,
      torrents: Math.floor(HOLD / 10),
      offers: 0,
      sdpBytes: 0,
      warmup: 0,
      seconds: 30,
    },
  },
];

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const pinned = has('taskset') && cpus().length >= 2;
const pin = (cpu: number): string[] => (pinned ? ['taskset', '-c', String(cpu)] : []);

function start(argv: string[]): ChildProcess {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.setEncoding('utf8');
  return child;
}

/** The next stdout line of `child` for which `want` holds, within `ms`. */
function line(child: ChildProcess, want: (l: string) => boolean, ms: number): Promise<string> {
  return new Promise((res, rej) => {
    let buf = '';
    const stop = (err: Error | null, l = ''): void => {
      clearTimeout(timer);
      child.stdout!.removeListener('data', onData);
      child.removeListener('exit', onExit);
      if (err) rej(err);
      else res(l);
    };
    const onData = (d: string): void => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const l = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (want(l)) {
          stop(null, l);
          return;
        }
      }
    };
    const onExit = (code: number | null): void => stop(new Error(`child exited (${code}) before its line`));
    const timer = setTimeout(() => stop(new Error('no line in time')), ms);
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit');
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(t);
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The server's resident KiB after a full GC (SIGUSR2, see servers/fixed-replies.ts). */
async function rssAfterGc(srv: ChildProcess): Promise<number> {
  await settle(500);
  srv.kill('SIGUSR2');
  await settle(1000);
  return rssKiB(srv.pid!);
}

async function runPhase(
  server: string,
  phase: (typeof PHASES)[number],
  load: string,
): Promise<Record<string, number>> {
  const srv = start([...pin(0), process.execPath, '--expose-gc', server]);
  try {
    const ready = JSON.parse(await line(srv, (l) => l.startsWith('{'), 15_000)) as { httpPort: number };
    const url = `ws://127.0.0.1:${ready.httpPort}/announce`;
    const rss0 = await rssAfterGc(srv);
    const gen = start([...pin(1), process.execPath, load, JSON.stringify({ ...phase.cfg, url })]);
    try {
      if (phase.cfg.mode === 'hold') {
        await line(gen, (l) => l.startsWith('{"held"'), 60_000);
        const rss1 = await rssAfterGc(srv);
        return { bytesPerConn: ((rss1 - rss0) * 1024) / phase.cfg.conns, rssMiB: rss1 / 1024 };
      }
      await line(gen, (l) => l === 'measuring', (WARMUP + 60) * 1000);
      const cpu0 = cpuMs(srv.pid!);
      const gen0 = cpuMs(gen.pid!);
      const r = JSON.parse(await line(gen, (l) => l.startsWith('{'), (SECONDS + 30) * 1000)) as WsLoadResult;
      const cpu = cpuMs(srv.pid!) - cpu0;
      const genCpu = cpuMs(gen.pid!) - gen0;
      return {
        announcesPerS: r.announces / r.seconds,
        cpuPct: cpu / 10 / r.seconds,
        cpuMsPer1k: (cpu / r.announces) * 1000,
        generatorCpuPct: genCpu / 10 / r.seconds,
        offersPerS: r.offersReceived / r.seconds,
        failures: r.failures,
        closed: r.closed,
      };
    } finally {
      await stop(gen);
    }
  } finally {
    await stop(srv);
  }
}

async function main(): Promise<void> {
  const unlock = OUT === null ? await benchLock(log, 20 * 60_000) : () => {};
  const t0 = Date.now();
  const children = await bundleChildren(
    benchDir,
    join(repo, 'node_modules/.cache/trakx-bench-ws'),
    WS_CHILDREN,
  );
  const servers: Record<WsTargetId, string> = {
    trakx: children['servers/ws-trakx'],
    'bittorrent-tracker': children['servers/ws-bittorrent-tracker'],
  };
  const load = children['ws-load'];
  const results: WsBenchResults = {
    started: new Date().toISOString(),
    seconds: 0,
    load: { runs: RUNS, conns: CONNS, torrents: TORRENTS, hold: HOLD, seconds: SECONDS, pinned },
    loadavg: [loadavg()[0], 0],
    runs: [],
  };
  const ids = Object.keys(servers) as WsTargetId[];
  for (let run = 0; run < RUNS; run++) {
    // Alternate which target goes first, so drift in the machine's load hits both alike.
    const order = run % 2 === 0 ? ids : [...ids].reverse();
    for (const phase of PHASES) {
      for (const target of order) {
        const figures = await runPhase(servers[target], phase, load);
        results.runs.push({ target, phase: phase.id, run, figures });
        log(`run ${run + 1}/${RUNS} ${phase.id} ${target}: ${JSON.stringify(figures)}`);
      }
    }
  }
  results.loadavg[1] = loadavg()[0];
  results.seconds = (Date.now() - t0) / 1000;
  const out = join(OUT ?? benchDir, 'ws-results.json');
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  unlock();
  log(`wrote ${out} in ${Math.round(results.seconds)} s`);
  if (OUT === null && existsSync(join(benchDir, 'results.json'))) {
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(benchDir, 'run.ts'), '--report', join(benchDir, 'results.json')],
      {
        stdio: 'inherit',
        cwd: repo,
      },
    );
  }
}

main().catch((err: unknown) => {
  log(`bench:ws: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
