// Whether a process runs, for pid files, stale snapshot temp files and the bench lock.

import { readFileSync } from 'node:fs';

/** The process exists (EPERM: it exists but belongs to someone else) and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 3, after the parenthesised command name (which may itself hold spaces).
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    // No /proc (macOS, BSD): kill(pid, 0) is all there is.
  }
  return true;
}
