// Starts a real trakx service in-process on ephemeral loopback ports for tests.

import { join } from 'node:path';
import { loadConfig } from '../../app/config/load.ts';
import type { Config } from '../../app/config/types.ts';
import { createLogger } from '../../app/logger.ts';
import { type Service, type ServiceParts, startService } from '../../app/service.ts';
import { tempHome } from './process.ts';

export interface TestServiceOptions {
  /** TRAKX_* variables applied like the real environment. */
  env?: Record<string, string>;
  /** Last-minute changes to the validated config. */
  tweak?: (config: Config) => void;
  /** Listen address (default `::`, dual-stack). */
  host?: string;
  /** The parts startService takes instead of its own (a store that answers later). */
  parts?: ServiceParts;
}

/** A `tweak` for tests of the HTTP side only: no UDP socket. */
export function noUdp(config: Config): void {
  config.udp.enabled = false;
}

/**
 * A `tweak` that expires peers 3 s after their last announce, swept every second: quick
 * to wait for, yet no request sequence of a test stalls that long.
 */
export function shortExpiry(config: Config): void {
  config.db.expiry = 3;
  config.db.trim = 1;
}

/**
 * Worker threads of the services tests start: TRAKX_TEST_WORKERS (npm test runs some suites
 * again with 2), else 1, the single-thread path. A test's own TRAKX_WORKERS wins.
 */
export function testWorkers(): string {
  return process.env.TRAKX_TEST_WORKERS ?? '1';
}

/** udp.io of the services tests start: TRAKX_TEST_UDP_IO (npm test runs UDP suites again with dgram). */
export function testUdpIo(): Record<string, string> {
  const io = process.env.TRAKX_TEST_UDP_IO;
  return io === undefined ? {} : { TRAKX_UDP_IO: io };
}

export async function startTestService(opts: TestServiceOptions = {}): Promise<Service> {
  const home = tempHome();
  const env = { TRAKX_WORKERS: testWorkers(), ...testUdpIo(), ...opts.env };
  const { config } = loadConfig({ env, home, cwd: home, writeDefault: false });
  config.http.port = 0;
  config.http.ip = opts.host ?? '::';
  config.udp.ip = opts.host ?? '::';
  (config.udp as { port: number }).port = 0;
  config.db.backup.interval = 0;
  config.db.backup.path = join(home, 'trakx.db');
  opts.tweak?.(config);
  return startService(config, createLogger('silent'), opts.parts);
}
