// `trakx run` (alias `execute`): the tracker in the foreground until SIGTERM/SIGINT.

import type { Config } from '../config/types.ts';
import { createLogger } from '../logger.ts';
import { startService } from '../service.ts';

export async function runForeground(config: Config, file: string | undefined): Promise<number> {
  const logger = createLogger(config.loglevel);
  logger.info({ config: file ?? 'embedded defaults' }, 'trakx starting');
  const service = await startService(config, logger);
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      service.close().then(
        () => {
          logger.info('stopped');
          resolve(0);
        },
        (err) => {
          logger.error({ err }, 'error while stopping');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
