// Crash-safe file replacement and the names of the files around a snapshot. A snapshot
// is written to `<path>.tmp-<pid>`, fsynced, renamed over `<path>` and the directory
// fsynced, so after a crash at any point `<path>` is either the old complete file or the
// new complete file. A bad snapshot is moved aside to `<path>.corrupt-<unix time>`.

import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { processAlive } from '../process-alive.ts';

export function tempPathFor(path: string, pid = process.pid): string {
  return `${path}.tmp-${pid}`;
}

/** fsync a directory so a rename in it survives power loss (best effort where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  }
}

export function syncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Atomically replace `path` with `data` (temp file, fsync, rename, fsync directory). */
export async function writeFileAtomic(path: string, data: Uint8Array, mode = 0o600): Promise<void> {
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    unlinkQuiet(tmp);
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
  await syncDir(dirname(path));
}

export function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * Move a bad snapshot aside as `<path>.corrupt-<unix seconds>` (with `-1`, `-2`… if that
 * name is taken: an earlier bad file is never overwritten). Returns the new name.
 */
export function moveAside(path: string, now = Date.now()): string {
  const base = `${path}.corrupt-${Math.floor(now / 1000)}`;
  let target = base;
  for (let i = 1; existsSync(target); i++) target = `${base}-${i}`;
  renameSync(path, target);
  syncDirSync(dirname(path));
  return target;
}

/** Remove `<path>.tmp-<pid>` files left by processes that died mid-save. */
export function removeStaleTemps(path: string): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (pid !== process.pid && processAlive(pid)) continue;
    unlinkQuiet(join(dir, name));
    removed.push(join(dir, name));
  }
  return removed;
}
