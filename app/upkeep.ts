// What a tracker runs besides its listeners, shared by the single-thread service and the
// main thread of worker threads: the info_hash lists, the rate limiter, the snapshot
// restore and saves (periodic, SIGUSR1, final) and the expiry sweeper.

import type { Logger } from 'pino';
import { ConfigError } from './config/load.ts';
import type { Config } from './config/types.ts';
import type { Metrics } from './metrics/metrics.ts';
import { restoreSnapshot } from './persist/restore.ts';
import { type SaveResult, SnapshotSaver } from './persist/saver.ts';
import type { LocalStore, StoreAdmin, SwarmStore } from './swarm/store.ts';
import { Sweeper } from './swarm/sweeper.ts';
import { ListFile } from './tracker/infohash-list.ts';
import { RateLimiter } from './tracker/rate-limit.ts';
import type { Tracker } from './tracker/tracker.ts';

export interface Lists {
  deny: ListFile | null;
  allow: ListFile | null;
}

/** The configured info_hash lists; one that cannot be used stops start-up like bad config. */
export function openLists(config: Config, logger: Logger): Lists {
  const open = (key: string, path: string, role: string): ListFile | null => {
    if (path === '') return null;
    try {
      return new ListFile(path, role, logger);
    } catch (err) {
      throw new ConfigError(key, (err as Error).message);
    }
  };
  return {
    deny: open('limits.denylist', config.limits.denylist, 'deny'),
    allow: open('limits.allowlist', config.limits.allowlist, 'allow'),
  };
}

/** Re-read both lists; false when a configured one failed (it keeps its previous list). */
export function reloadLists(lists: Lists): boolean {
  let ok = true;
  for (const list of [lists.deny, lists.allow]) if (list !== null && !list.reload()) ok = false;
  return ok;
}

/**
 * Drop what the lists refuse from the store (after a restore, or a reload) and keep doing
 * so after every reload: `reach` first hands a reload to whoever else reads the lists
 * (worker threads), then the purge runs. Files are polled when limits.listPoll is set.
 */
export function purgeOnListChange(
  lists: Lists,
  tracker: Tracker,
  config: Config,
  logger: Logger,
  reach?: () => Promise<void>,
): void {
  const purge = () => {
    const dropped = tracker.purgeRefused();
    if (dropped > 0) logger.info({ torrents: dropped }, 'dropped torrents refused by the info_hash lists');
  };
  purge();
  for (const list of [lists.deny, lists.allow]) {
    if (list === null) continue;
    list.onChange = reach
      ? () => {
          reach().then(purge, (err) =>
            logger.error({ err }, 'info_hash list reload failed to reach the workers'),
          );
        }
      : purge;
    if (config.limits.listPoll > 0) list.watch(config.limits.listPoll * 1000);
  }
}

/** The per-address announce limiter (config limits.announceRate), over `buffer` if shared. */
export function rateLimiter(limits: Config['limits'], buffer?: SharedArrayBuffer): RateLimiter | null {
  if (limits.announceRate <= 0) return null;
  return new RateLimiter({
    rate: limits.announceRate,
    burst: limits.announceBurst > 0 ? limits.announceBurst : Math.max(1, 2 * limits.announceRate),
    slots: limits.rateTableSize,
    buffer,
  });
}

export interface Upkeep {
  /** Save now; null when persistence is off. */
  save(): Promise<SaveResult | null>;
  /** Stop the sweeper and the periodic saves. */
  stop(): void;
  /** The snapshot taken once nothing takes requests any more. */
  finalSave(): Promise<void>;
}

/**
 * Restore the snapshot into `store` (before anything listens, so the first announces see
 * the old swarms), then start the sweeper and the periodic saves. Only a store that answers
 * at once is restored and saved.
 */
export function startUpkeep(
  store: SwarmStore & StoreAdmin,
  config: Config,
  logger: Logger,
  metrics: Metrics | undefined,
): Upkeep {
  let saver: SnapshotSaver | undefined;
  if (config.db.backup.path !== '' && isLocal(store)) {
    const restored = restoreSnapshot(store, {
      path: config.db.backup.path,
      expiry: config.db.expiry,
      logger,
    });
    if (restored.outcome !== 'unreadable')
      saver = new SnapshotSaver(store, { path: config.db.backup.path, logger });
  }
  const sweeper = new Sweeper(store, { every: config.db.trim, expiry: config.db.expiry });
  sweeper.start();
  // Every save goes through here, so the snapshot gauges see it.
  const saveSnapshot = async (s: SnapshotSaver): Promise<SaveResult> => {
    const result = await s.save();
    metrics?.snapshotSaved(result.ms / 1000, result.bytes);
    return result;
  };
  let backupTimer: NodeJS.Timeout | undefined;
  if (saver && config.db.backup.interval > 0) {
    const periodic = saver;
    backupTimer = setInterval(() => {
      saveSnapshot(periodic).catch((err) => logger.error({ err }, 'periodic snapshot failed'));
    }, config.db.backup.interval * 1000);
    backupTimer.unref();
  }
  return {
    save: () => (saver ? saveSnapshot(saver) : Promise.resolve(null)),
    stop() {
      if (backupTimer) clearInterval(backupTimer);
      sweeper.stop();
    },
    async finalSave() {
      if (saver) await saveSnapshot(saver);
    },
  };
}

function isLocal(store: SwarmStore & StoreAdmin): store is LocalStore {
  return !store.answersLater;
}
