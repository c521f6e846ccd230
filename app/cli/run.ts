// `trakx run` (alias `execute`): the tracker in the foreground until SIGTERM/SIGINT,
// which stop the listeners and then save a final snapshot. SIGUSR1 saves a snapshot and
// keeps running (`trakx backup export` uses it). The handlers are installed before the
// service starts: a signal during start-up (restoring a big snapshot takes a moment) is
// acted on once it is up, and a SIGUSR1 never falls through to Node's default of opening
// the inspector.

import type { Config } from '../config/types.ts';
import { type UnknownSetting, unknownSettingMessage } from '../config/unknown-env.ts';
import { createLogger } from '../logger.ts';
import { type Service, startService } from '../service.ts';

export async function runForeground(
  config: Config,
  file: string | undefined,
  unknownEnv: UnknownSetting[],
): Promise<number> {
  const logger = createLogger(config.loglevel);
  logger.info({ config: file ?? 'embedded defaults' }, 'trakx starting');
  for (const u of unknownEnv) logger.warn({ setting: u.name, closest: u.closest }, unknownSettingMessage(u));
  let service: Service | undefined;
  let stopSignal: string | undefined;
  let saveRequested = false;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const stop = () => {
    if (!service || stopSignal === undefined) return;
    logger.info({ signal: stopSignal }, 'stopping');
    service.close().then(
      () => {
        logger.info('stopped');
        finish(0);
      },
      (err) => {
        logger.error({ err }, 'error while stopping');
        finish(1);
      },
    );
  };
  const onStop = (signal: string) => {
    if (stopSignal !== undefined) return;
    stopSignal = signal;
    stop();
  };
  const onTerm = () => onStop('SIGTERM');
  const onInt = () => onStop('SIGINT');
  const save = () => {
    if (!service || !saveRequested) return;
    saveRequested = false;
    // Stopping saves anyway, right after the listeners close.
    if (stopSignal !== undefined) return;
    logger.info({ signal: 'SIGUSR1' }, 'saving a snapshot');
    service.save().catch((err) => logger.error({ err }, 'snapshot on SIGUSR1 failed'));
  };
  const onUsr1 = () => {
    saveRequested = true;
    save();
  };
  // SIGHUP re-reads the info_hash deny/allow lists (Node's default would exit).
  const onHup = () => {
    if (!service) return;
    logger.info({ signal: 'SIGHUP' }, 'reloading info_hash lists');
    service.reloadLists();
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGUSR1', onUsr1);
  process.on('SIGHUP', onHup);
  try {
    service = await startService(config, logger);
    save();
    stop();
    return await done;
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGUSR1', onUsr1);
    process.off('SIGHUP', onHup);
    // pino writes asynchronously and the process exits right after this returns, which
    // would drop (or reorder) the last lines, such as the final "snapshot saved".
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
  }
}
