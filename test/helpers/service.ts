// Starts a real trakx service in-process on ephemeral loopback ports for tests.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../app/config/load.ts';
import type { Config } from '../../app/config/types.ts';
import { createLogger } from '../../app/logger.ts';
import { type Service, startService } from '../../app/service.ts';

export interface TestServiceOptions {
  /** TRAKX_* variables applied like the real environment. */
  env?: Record<string, string>;
  /** Last-minute changes to the validated config. */
  tweak?: (config: Config) => void;
  /** Listen address (default `::`, dual-stack). */
  host?: string;
}

/** A temporary directory used as HOME/cwd so nothing touches the real home. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'trakx-test-'));
}

export async function startTestService(opts: TestServiceOptions = {}): Promise<Service> {
  const home = tempHome();
  const { config } = loadConfig({ env: opts.env ?? {}, home, cwd: home, writeDefault: false });
  config.http.port = 0;
  config.http.ip = opts.host ?? '::';
  config.udp.ip = opts.host ?? '::';
  (config.udp as { port: number }).port = 0;
  config.db.backup.interval = 0;
  config.db.backup.path = join(home, 'trakx.db');
  opts.tweak?.(config);
  return startService(config, createLogger('silent'));
}
