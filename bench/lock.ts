// One measuring bench run at a time on a machine: two runs pinned to the same CPUs would
// each measure the other. A full or partial run takes an exclusive lock file (holding
// its pid) and waits while another live run holds it; a lock left by a dead process is
// taken over. The quick smoke test never waits (its figures are not meant to be read).

import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../app/process-alive.ts';

const LOCK = join(tmpdir(), 'trakx-bench.lock');

function tryTake(): number {
  try {
    const fd = openSync(LOCK, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return 0;
  } catch {
    const holder = Number(readFileSafe());
    if (holder > 0 && holder !== process.pid && processAlive(holder)) return holder;
    // Stale (its process is gone) or unreadable: remove it and try again next round.
    rmSync(LOCK, { force: true });
    return -1;
  }
}

function readFileSafe(): string {
  try {
    return readFileSync(LOCK, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Waits (bounded) for the machine's bench lock; returns its release function. */
export async function benchLock(log: (line: string) => void, maxWaitMs = 3 * 3600_000): Promise<() => void> {
  const deadline = Date.now() + maxWaitMs;
  let told = 0;
  for (;;) {
    const holder = tryTake();
    if (holder === 0) break;
    if (Date.now() > deadline) throw new Error(`another bench run (pid ${holder}) still holds ${LOCK}`);
    if (holder > 0 && holder !== told) {
      log(`waiting for another bench run (pid ${holder}) to finish …`);
      told = holder;
    }
    await new Promise((resolve) => setTimeout(resolve, holder > 0 ? 2000 : 50));
  }
  const release = (): void => {
    if (readFileSafe() === String(process.pid)) rmSync(LOCK, { force: true });
  };
  process.once('exit', release);
  return release;
}
