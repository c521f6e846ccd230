// Sections of RESULTS.md written by benchmarks other than `npm run bench` (the Redis
// ones), each between its own markers, so that a full run re-rendering the file keeps them.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const BLOCK = /<!-- section:([\w-]+) -->\n[\s\S]*?<!-- \/section:\1 -->\n/g;

function block(name: string, markdown: string): string {
  return `<!-- section:${name} -->\n${markdown.trimEnd()}\n<!-- /section:${name} -->\n`;
}

/** Put (or replace) section `name` in the file, at its end when new. */
export function writeSection(file: string, name: string, markdown: string): void {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const mine = block(name, markdown);
  let found = false;
  const next = old.replace(BLOCK, (whole, n: string) => {
    if (n !== name) return whole;
    found = true;
    return mine;
  });
  writeFileSync(file, found ? next : `${old.trimEnd()}\n\n${mine}`);
}

/** `fresh` (a newly rendered RESULTS.md) followed by the sections found in `file`. */
export function withSections(file: string, fresh: string): string {
  if (!existsSync(file)) return fresh;
  const kept = readFileSync(file, 'utf8').match(BLOCK) ?? [];
  return kept.length === 0 ? fresh : `${fresh.trimEnd()}\n\n${kept.join('\n')}`;
}
