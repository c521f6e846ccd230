// The pid file written by `trakx start`: one decimal pid and a newline (what init
// systems and `kill $(cat …)` expect). A pid only counts as a running trakx when the
// process exists, is not a zombie and — where /proc shows it — was started as
// `… run`/`… execute`: after a crash the pid may belong to some unrelated process by
// now, and `stop` must never signal that one.

import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { processAlive } from '../process-alive.ts';

export type PidFileState =
  | { kind: 'missing' }
  | { kind: 'invalid'; text: string }
  | { kind: 'ok'; pid: number };

export function readPidFile(path: string): PidFileState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { kind: 'missing' };
  }
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return { kind: 'invalid', text: trimmed.slice(0, 40) };
  const pid = Number(trimmed);
  if (pid <= 1 || pid > 0x7fffffff) return { kind: 'invalid', text: trimmed };
  return { kind: 'ok', pid };
}

/** Write the pid file atomically (a reader never sees a half-written number). */
export function writePidFile(path: string, pid: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${pid}\n`, { mode: 0o644 });
  renameSync(tmp, path);
}

export function removePidFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** Whether the process looks like a trakx tracker (`run`/`execute` on its command line). */
export function looksLikeTrakx(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  const args = cmdline.split('\0');
  return args.includes('run') || args.includes('execute');
}

/** The pid of the running tracker according to the pid file, or undefined. */
export function runningPid(pidPath: string): number | undefined {
  const state = readPidFile(pidPath);
  if (state.kind !== 'ok') return undefined;
  return processAlive(state.pid) && looksLikeTrakx(state.pid) ? state.pid : undefined;
}
