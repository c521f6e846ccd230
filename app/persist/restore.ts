// Restores the swarms at start-up, before the tracker listens. Peers that expired while
// the tracker was down are dropped (a torrent they leave empty keeps its downloaded
// count as a count-only record). A snapshot that cannot be used (truncated, checksum
// mismatch, unknown version, unreadable) is moved aside as `<path>.corrupt-<unix time>`
// and the tracker starts empty: it never refuses to start over a bad file, and the bad
// file is kept for inspection instead of being overwritten by the next save.

import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { LocalStore } from '../swarm/store.ts';
import { moveAside, removeStaleTemps } from './files.ts';
import { SnapshotError } from './format.ts';
import { applySnapshot, verifySnapshot } from './reader.ts';

export interface RestoreOptions {
  path: string;
  /** Peer lifetime in seconds (db.expiry). */
  expiry: number;
  /** Unix seconds (tests pass their own clock). */
  now?: number;
  logger: Logger;
}

export interface RestoreResult {
  outcome: 'missing' | 'restored' | 'moved-aside' | 'unreadable';
  torrents: number;
  peers: number;
  expired: number;
  skipped: number;
  /** Count-only records (torrents without peers, kept for their downloaded count). */
  countOnly: number;
  /** Where a bad snapshot was moved. */
  movedTo?: string;
  /** Why the snapshot could not be used. */
  reason?: string;
}

export function restoreSnapshot(store: LocalStore, opts: RestoreOptions): RestoreResult {
  const { path, logger } = opts;
  const result: RestoreResult = {
    outcome: 'missing',
    torrents: 0,
    peers: 0,
    expired: 0,
    skipped: 0,
    countOnly: 0,
  };
  for (const stale of removeStaleTemps(path)) logger.info({ file: stale }, 'removed an unfinished snapshot');

  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      logger.info({ path }, 'no snapshot, starting empty');
      return result;
    }
    return setAside(result, path, `cannot be read: ${(err as Error).message}`, logger);
  }

  const now = opts.now ?? Math.floor(Date.now() / 1000);
  try {
    const header = verifySnapshot(buf);
    const applied = applySnapshot(buf, store, { cutoff: now - opts.expiry, now });
    Object.assign(result, applied, { outcome: 'restored' });
    logger.info(
      {
        path,
        saved: new Date(header.created).toISOString(),
        torrents: applied.torrents,
        countOnly: applied.countOnly,
        peers: applied.peers,
        expired: applied.expired,
        skipped: applied.skipped,
      },
      'snapshot restored',
    );
    return result;
  } catch (err) {
    if (!(err instanceof SnapshotError)) throw err;
    store.clear();
    return setAside(result, path, err.message, logger);
  }
}

function setAside(result: RestoreResult, path: string, reason: string, logger: Logger): RestoreResult {
  result.reason = reason;
  try {
    result.movedTo = moveAside(path);
    result.outcome = 'moved-aside';
    logger.error(
      { path, movedTo: result.movedTo, reason },
      `snapshot ${path} is unusable (${reason}); moved to ${result.movedTo}; starting empty`,
    );
  } catch (err) {
    result.outcome = 'unreadable';
    logger.error(
      { path, reason, moveError: (err as Error).message },
      `snapshot ${path} is unusable (${reason}) and could not be moved aside; starting empty with saving off so it is not overwritten`,
    );
  }
  return result;
}
