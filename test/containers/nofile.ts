// The open-files limit docker-compose.yml gives its trackers, and what the engine can
// grant: a host without CAP_SYS_RESOURCE (like this test machine) cannot raise the limit
// above its own hard limit, so a test stack gets that instead, through an override file.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from './images.ts';

/** The open-files limit the compose file asks for. */
export const NOFILE = (
  parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: { trakx: { ulimits: { nofile: { hard: number } } } };
  }
).services.trakx.ulimits.nofile.hard;

export const GRANTED = Math.min(
  NOFILE,
  Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' })) || NOFILE,
);

/** `-f` and an override file in `dir` giving `services` the GRANTED limit; none when it is NOFILE. */
export function nofileOverride(services: string[], dir: string): string[] {
  if (GRANTED >= NOFILE) return [];
  const file = join(dir, 'nofile.yml');
  const limit = `    ulimits:\n      nofile: {soft: ${GRANTED}, hard: ${GRANTED}}\n`;
  writeFileSync(file, `services:\n${services.map((s) => `  ${s}:\n${limit}`).join('')}`);
  return ['-f', file];
}
