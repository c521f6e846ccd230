// Tests that need an external program (a Debian package): locally a missing one skips
// them with the reason shown; in CI it is a failure, never a silent pass.

import { spawnSync } from 'node:child_process';

export const inCI = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

/**
 * Why `command args` cannot run (null when it exits 0), naming the package to install.
 */
export function toolMissing(command: string, args: string[], pkg: string): string | null {
  const probe = spawnSync(command, args, { encoding: 'utf8' });
  if (probe.status === 0) return null;
  const why = (probe.stderr || String(probe.error)).trim().split('\n').pop();
  return `${command} ${args.join(' ')} failed (${why}); install the Debian package: apt-get install -y ${pkg}`;
}

/** node:test's `skip` option for a case that needs the tool `missing` describes. */
export function skipWithout(missing: string | null): string | false {
  return missing !== null && !inCI ? `skipped: ${missing}` : false;
}
