// Real programs in child processes, for the tests that run what an operator runs: the
// built tracker (`node dist/trakx.js …`) in a clean environment with a temporary HOME, a
// port that is free right now, polling until something is ready (/heartbeat), and
// stopping with SIGTERM while keeping the exit status for the test to check.

import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { get } from './http-client.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BUNDLE = join(ROOT, 'dist', 'trakx.js');

/** Build dist/ if it is missing: `npm test` builds first, a lone run of one file may not have. */
export function ensureBuilt(): void {
  if (!existsSync(BUNDLE)) execFileSync(process.execPath, [join(ROOT, 'build.mjs')], { cwd: ROOT });
}

/** A new temporary directory to be HOME (and cwd), so nothing touches the real home. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'trakx-test-'));
}

/**
 * A port that was free for both TCP and UDP on every address a moment ago (`::` is
 * dual-stack), for programs that cannot be given port 0.
 */
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

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Running {
  child: ChildProcess;
  /** Settles once the process has exited. */
  exited: Promise<Exit>;
  /** What it wrote so far (at least the last 100 kB of each stream). */
  stdout(): string;
  stderr(): string;
  /** Both streams as they came, for failure messages. */
  output(): string;
  /** Its exit; if it runs longer than `ms`, SIGKILL and an error. */
  exitWithin(ms: number): Promise<Exit>;
  /** `signal` (SIGTERM), then its exit; SIGKILL if it has not exited after `ms`. */
  stop(ms?: number, signal?: NodeJS.Signals): Promise<Exit>;
  /** SIGKILL unless it has exited (for `finally` after a failure). */
  kill(): void;
}

const KEEP = 100_000;

/** Spawn `cmd` with its output captured. */
export function start(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Running {
  const child = spawn(cmd, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Bounded, so a chatty program cannot fill the test's memory.
  const bounded = (s: string) => (s.length > 2 * KEEP ? s.slice(-KEEP) : s);
  let out = '';
  let err = '';
  let both = '';
  child.stdout!.on('data', (b: Buffer) => {
    out = bounded(out + b.toString());
    both = bounded(both + b.toString());
  });
  child.stderr!.on('data', (b: Buffer) => {
    err = bounded(err + b.toString());
    both = bounded(both + b.toString());
  });
  const exited = new Promise<Exit>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = () => {
    if (running()) child.kill('SIGKILL');
  };
  const exitWithin = async (ms: number): Promise<Exit> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, fail) => {
      timer = setTimeout(() => {
        kill();
        fail(new Error(`${cmd} ${args.join(' ')} still ran after ${ms} ms:\n${both}`));
      }, ms);
    });
    try {
      return await Promise.race([exited, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    output: () => both,
    exitWithin,
    async stop(ms = 5000, signal: NodeJS.Signals = 'SIGTERM') {
      if (running()) child.kill(signal);
      const timer = setTimeout(kill, ms);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    kill,
  };
}

/** An operator's shell environment: ours without TRAKX_* and PORT, HOME = `home`, then `extra`. */
export function trakxEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TRAKX_') && k !== 'PORT') env[k] = v;
  // Tracker processes run one thread (and udp.io auto) unless the suite or the test says otherwise.
  const io = process.env.TRAKX_TEST_UDP_IO;
  return {
    ...env,
    HOME: home,
    TRAKX_WORKERS: process.env.TRAKX_TEST_WORKERS ?? '1',
    ...(io === undefined ? {} : { TRAKX_UDP_IO: io }),
    ...extra,
  };
}

/** `node <entry> <args>` (entry: dist/trakx.js, built if missing) in env.HOME. */
export function startTrakx(args: string[], env: NodeJS.ProcessEnv, entry = BUNDLE): Running {
  if (entry === BUNDLE) ensureBuilt();
  return start(process.execPath, [entry, ...args], { env, cwd: env.HOME });
}

export interface CommandResult {
  code: number;
  /** latin1, so binary output (a snapshot on stdout) survives byte for byte. */
  stdout: string;
  stderr: string;
}

/** `node dist/trakx.js <args>` to completion (30 s at most) in env.HOME. */
export function trakx(args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  ensureBuilt();
  return new Promise((ok) => {
    execFile(
      process.execPath,
      [BUNDLE, ...args],
      { cwd: env.HOME, env, timeout: 30000, encoding: 'buffer', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        ok({ code, stdout: stdout.toString('latin1'), stderr: stderr.toString() });
      },
    );
  });
}

/**
 * Poll `check` every `every` ms until it gives something other than undefined or false;
 * after `ms`, throw (with the last error `check` threw, if any).
 */
export async function waitFor<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined | false>,
  every = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(every);
  }
}

/** Resolve once GET /heartbeat answers 200; fail (and SIGKILL) if it exits first or after `ms`. */
export async function waitForHeartbeat(
  run: Running,
  port: number,
  ms = 15_000,
  host = '127.0.0.1',
): Promise<void> {
  try {
    const state = await waitFor(`/heartbeat on port ${port}`, ms, async () => {
      if (run.child.exitCode !== null || run.child.signalCode !== null) return 'exited';
      return (await get(host, port, '/heartbeat')).status === 200 ? 'up' : undefined;
    });
    if (state === 'exited') throw new Error('exited before answering /heartbeat');
  } catch (err) {
    run.kill();
    throw new Error(`${(err as Error).message}:\n${run.output()}`);
  }
}
