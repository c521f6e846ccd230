// `trakx backup export [--out FILE]` and `trakx backup import FILE [--restart]`.
//
// export, tracker running (pid file): sends SIGUSR1 and waits for a snapshot whose
// header says it was started after the signal; it reads that file through one open
// descriptor, so a later save renaming a newer file over it cannot mix two snapshots.
// export, tracker stopped: the snapshot file as it is. Either way the file is verified
// (checksum and structure) before it is written out; `--out -` or no --out writes to
// stdout (not to a terminal).
//
// import: verifies FILE (or stdin for `-`) and installs it atomically as the snapshot
// the next start restores. A running tracker would overwrite it with its next save, so
// import refuses then, unless --restart: stop, install, start.

import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../persist/files.ts';
import { decodeHeader, HEADER_SIZE, SnapshotError, type SnapshotHeader } from '../persist/format.ts';
import { verifySnapshot } from '../persist/reader.ts';
import { processAlive } from '../process-alive.ts';
import { parseFlags, parseSeconds, UsageError } from './args.ts';
import type { CommandContext } from './context.ts';
import { start, stop } from './daemon.ts';
import { runningPid } from './pidfile.ts';

function describe(h: SnapshotHeader): string {
  return `${h.torrents} torrents, ${h.peers4 + h.peers6} peers (saved ${new Date(h.created).toISOString()})`;
}

/** The snapshot at `path` if its save started at or after `since` (unix ms), else undefined. */
function readIfNewer(path: string, since: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER_SIZE) return undefined;
    const buf = Buffer.allocUnsafe(size);
    if (readSync(fd, buf, 0, HEADER_SIZE, 0) < HEADER_SIZE) return undefined;
    try {
      if (decodeHeader(buf).created < since) return undefined;
    } catch {
      return undefined;
    }
    let done = HEADER_SIZE;
    while (done < size) {
      const got = readSync(fd, buf, done, size - done, done);
      if (got === 0) break;
      done += got;
    }
    return buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

async function liveSnapshot(path: string, pid: number, timeoutSeconds: number): Promise<Buffer> {
  const since = Date.now();
  process.kill(pid, 'SIGUSR1');
  const deadline = since + timeoutSeconds * 1000;
  for (;;) {
    const buf = readIfNewer(path, since);
    if (buf) return buf;
    if (!processAlive(pid)) throw new Error(`trakx (pid ${pid}) exited before saving a snapshot`);
    if (Date.now() >= deadline)
      throw new Error(`trakx (pid ${pid}) did not save a snapshot within ${timeoutSeconds}s (see its log)`);
    await sleep(50);
  }
}

function writeStdout(buf: Buffer): Promise<void> {
  return new Promise((resolveWrite, reject) => {
    process.stdout.write(buf, (err) => (err ? reject(err) : resolveWrite()));
  });
}

async function exportSnapshot(ctx: CommandContext, rest: string[]): Promise<number> {
  const { values } = parseFlags(rest, { out: { type: 'string', short: 'o' }, timeout: { type: 'string' } });
  const timeout = parseSeconds('--timeout', values.timeout, 60);
  const out = values.out ?? '-';
  if (out === '-' && process.stdout.isTTY)
    throw new UsageError('refusing to write a binary snapshot to a terminal; use --out FILE');
  const config = ctx.config();
  const path = config.db.backup.path;
  if (path === '') {
    ctx.err('persistence is off (db.backup.path is empty): there is nothing to export\n');
    return 1;
  }
  const pid = runningPid(config.path.pid);
  let buf: Buffer;
  let from: string;
  try {
    if (pid !== undefined) {
      buf = await liveSnapshot(path, pid, timeout);
      from = `the running tracker (pid ${pid})`;
    } else {
      buf = readFileSync(path);
      from = path;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    ctx.err(code === 'ENOENT' ? `no snapshot at ${path}\n` : `${(err as Error).message}\n`);
    return 1;
  }
  let header: SnapshotHeader;
  try {
    header = verifySnapshot(buf);
  } catch (err) {
    if (!(err instanceof SnapshotError)) throw err;
    ctx.err(`snapshot ${path} is not valid: ${err.message}\n`);
    return 1;
  }
  if (out === '-') {
    await writeStdout(buf);
    ctx.err(`exported ${describe(header)} from ${from}\n`);
  } else {
    const target = resolve(out);
    mkdirSync(dirname(target), { recursive: true });
    await writeFileAtomic(target, buf);
    ctx.out(`exported ${describe(header)} from ${from} to ${target}\n`);
  }
  return 0;
}

async function readInput(file: string): Promise<Buffer> {
  if (file !== '-') return readFileSync(file);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function importSnapshot(ctx: CommandContext, rest: string[]): Promise<number> {
  const { values, positionals } = parseFlags(rest, { restart: { type: 'boolean', default: false } }, 1);
  const file = positionals[0];
  if (file === undefined) throw new UsageError('backup import needs a FILE (or - for stdin)');
  const config = ctx.config();
  const path = config.db.backup.path;
  if (path === '') {
    ctx.err('persistence is off (db.backup.path is empty): nowhere to import to\n');
    return 1;
  }
  let buf: Buffer;
  try {
    buf = await readInput(file);
  } catch (err) {
    ctx.err(`cannot read ${file}: ${(err as Error).message}\n`);
    return 1;
  }
  let header: SnapshotHeader;
  try {
    header = verifySnapshot(buf);
  } catch (err) {
    if (!(err instanceof SnapshotError)) throw err;
    ctx.err(`${file} is not a valid snapshot: ${err.message}; nothing changed\n`);
    return 1;
  }
  const pid = runningPid(config.path.pid);
  if (pid !== undefined && !values.restart) {
    ctx.err(
      `trakx is running (pid ${pid}) and would overwrite the import with its next save; ` +
        'stop it first, or pass --restart to stop, import and start again\n',
    );
    return 1;
  }
  if (pid !== undefined) {
    const stopped = await stop(ctx, 10);
    if (stopped !== 0) return stopped;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, buf);
  ctx.out(`imported ${describe(header)} into ${path}\n`);
  return pid !== undefined ? start(ctx, 15) : 0;
}

export function backupCommand(ctx: CommandContext): Promise<number> {
  const [sub, ...rest] = ctx.args;
  switch (sub) {
    case 'export':
      return exportSnapshot(ctx, rest);
    case 'import':
      return importSnapshot(ctx, rest);
    case undefined:
      throw new UsageError('backup needs a subcommand: export or import');
    default:
      throw new UsageError(`unknown backup subcommand: ${sub}`);
  }
}
