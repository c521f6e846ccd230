// `trakx start`, `stop` and `restart`: the tracker as a background process.
// start: spawns `<node> <this script> [--config FILE] run` detached, in the current
// directory with the current environment, stdout and stderr appended to `path.log`,
// writes its pid to `path.pid` and waits until it answers its heartbeats.
// stop: SIGTERM (the tracker stops its listeners, saves a snapshot and exits), then
// waits for the process to go away.

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../process-alive.ts';
import { NODE_FLAGS } from '../runtime/node-flags.ts';
import { parseFlags, parseSeconds } from './args.ts';
import type { CommandContext } from './context.ts';
import { tailLines } from './logs.ts';
import { looksLikeTrakx, readPidFile, removePidFile, writePidFile } from './pidfile.ts';
import { inspect } from './status.ts';

const DEFAULT_START_WAIT = 15;
const DEFAULT_STOP_WAIT = 10;
/** Heartbeat timeout while starting: loopback answers in well under a millisecond. */
const PROBE_MS = 300;

/**
 * Node flags for the child: ours (NODE_FLAGS) plus the parent's own, except a debugger
 * port that must not be repeated.
 */
function childExecArgv(): string[] {
  const own = process.execArgv.filter((a) => !a.startsWith('--inspect') && !a.startsWith('--debug'));
  return [...NODE_FLAGS.filter((f) => !own.some((a) => a.split('=')[0] === f.split('=')[0])), ...own];
}

export async function start(ctx: CommandContext, waitSeconds: number): Promise<number> {
  const config = ctx.config();
  const before = await inspect(config, PROBE_MS);
  if (before.process === 'alive') {
    ctx.err(`trakx is already running (pid ${before.pid})\n`);
    return 1;
  }
  // A degraded tracker (its Redis gone) answers too.
  const answers = (c: string) => c === 'ok' || c === 'degraded';
  if (answers(before.heartbeat.http) || answers(before.heartbeat.udp)) {
    ctx.err('a tracker already answers on the configured ports (one not started by `trakx start`?)\n');
    return 1;
  }
  if (before.pidFile.state !== 'missing') removePidFile(config.path.pid);

  const log = config.path.log;
  mkdirSync(dirname(log), { recursive: true, mode: 0o700 });
  const args = [...childExecArgv(), process.argv[1]];
  if (ctx.configPath !== undefined) args.push('--config', resolve(ctx.configPath));
  args.push('run');
  const fd = openSync(log, 'a', 0o644);
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let exit: string | undefined;
  child.on('exit', (code, signal) => {
    exit = signal ? `killed by ${signal}` : `exit code ${code}`;
  });
  child.on('error', (err) => {
    exit = err.message;
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    await sleep(10);
    ctx.err(`trakx could not be started: ${exit ?? 'spawn failed'}\n`);
    return 1;
  }
  writePidFile(config.path.pid, pid);

  const deadline = Date.now() + waitSeconds * 1000;
  while (Date.now() < deadline) {
    if (exit !== undefined) break;
    const now = await inspect(config, PROBE_MS);
    if (now.running) {
      ctx.out(`trakx started (pid ${pid}); log: ${log}\n`);
      return 0;
    }
    if (exit === undefined) await sleep(100);
  }
  if (exit !== undefined) {
    removeOwnPidFile(config.path.pid, pid);
    const tail = tailLines(log, 20);
    ctx.err(`trakx exited during start-up (${exit}); last lines of ${log}:\n${tail}`);
    return 1;
  }
  ctx.err(`trakx (pid ${pid}) does not answer its heartbeat after ${waitSeconds}s; see ${log}\n`);
  return 1;
}

/** Remove the pid file only if it still names `pid` (a newer start may have replaced it). */
function removeOwnPidFile(path: string, pid: number): void {
  const state = readPidFile(path);
  if (state.kind === 'ok' && state.pid === pid) removePidFile(path);
}

export async function stop(ctx: CommandContext, waitSeconds: number): Promise<number> {
  const path = ctx.config().path.pid;
  const state = readPidFile(path);
  if (state.kind === 'missing') {
    ctx.out(`trakx is not running (no pid file at ${path})\n`);
    return 0;
  }
  if (state.kind === 'invalid') {
    removePidFile(path);
    ctx.out(`trakx is not running (invalid pid file ${path} removed)\n`);
    return 0;
  }
  const pid = state.pid;
  if (!processAlive(pid)) {
    removePidFile(path);
    ctx.out(`trakx is not running (stale pid file for pid ${pid} removed)\n`);
    return 0;
  }
  if (!looksLikeTrakx(pid)) {
    removePidFile(path);
    ctx.out(`pid ${pid} is not trakx: stale pid file removed, nothing signalled\n`);
    return 0;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch (err) {
    ctx.err(`cannot signal trakx (pid ${pid}): ${(err as Error).message}\n`);
    return 1;
  }
  const deadline = Date.now() + waitSeconds * 1000;
  while (processAlive(pid)) {
    if (Date.now() >= deadline) {
      ctx.err(`trakx (pid ${pid}) did not stop within ${waitSeconds}s\n`);
      return 1;
    }
    await sleep(100);
  }
  removeOwnPidFile(path, pid);
  ctx.out(`trakx stopped (pid ${pid})\n`);
  return 0;
}

export function startCommand(ctx: CommandContext): Promise<number> {
  const { values } = parseFlags(ctx.args, { wait: { type: 'string' } });
  return start(ctx, parseSeconds('--wait', values.wait, DEFAULT_START_WAIT));
}

export function stopCommand(ctx: CommandContext): Promise<number> {
  const { values } = parseFlags(ctx.args, { timeout: { type: 'string' } });
  return stop(ctx, parseSeconds('--timeout', values.timeout, DEFAULT_STOP_WAIT));
}

export async function restartCommand(ctx: CommandContext): Promise<number> {
  const { values } = parseFlags(ctx.args, { timeout: { type: 'string' }, wait: { type: 'string' } });
  const timeout = parseSeconds('--timeout', values.timeout, DEFAULT_STOP_WAIT);
  const wait = parseSeconds('--wait', values.wait, DEFAULT_START_WAIT);
  const stopped = await stop(ctx, timeout);
  if (stopped !== 0) return stopped;
  return start(ctx, wait);
}
