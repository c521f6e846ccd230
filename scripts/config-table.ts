// The README's table of configuration keys, generated from the schema (configLeaves),
// so the documentation lists exactly the keys the loader accepts.
//
//   node --import tsx scripts/config-table.ts           print the table
//   node --import tsx scripts/config-table.ts --write   rewrite it in README.md
//   node --import tsx scripts/config-table.ts --check   exit 1 when README.md is stale
//
// test/config/readme-table.test.ts fails when README.md is out of date.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configLeaves } from '../app/config/load.ts';

export const START = '<!-- config-table:start -->';
export const END = '<!-- config-table:end -->';
export const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** Markdown-safe table cell: pipes escaped, line breaks folded. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
}

function showDefault(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : `\`${value.join(', ')}\``;
  if (value === '') return '(empty)';
  return `\`${String(value)}\``;
}

export function configTable(): string {
  const rows = ['| Key | Default | Environment | Meaning |', '| --- | --- | --- | --- |'];
  for (const leaf of configLeaves()) {
    const meaning = cell(leaf.node.description ?? '');
    rows.push(`| \`${leaf.key}\` | ${cell(showDefault(leaf.node.default))} | \`${leaf.env}\` | ${meaning} |`);
  }
  return rows.join('\n');
}

/** README text with the table between the markers replaced. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const readme = readFileSync(README, 'utf8');
  const updated = withTable(readme, configTable());
  if (process.argv.includes('--write')) {
    if (updated !== readme) writeFileSync(README, updated);
    process.stdout.write(updated === readme ? 'README.md is up to date\n' : 'README.md updated\n');
  } else if (process.argv.includes('--check')) {
    if (updated !== readme) {
      process.stderr.write('README.md config table is stale: node --import tsx scripts/config-table.ts --write\n');
      process.exit(1);
    }
  } else {
    process.stdout.write(`${configTable()}\n`);
  }
}
