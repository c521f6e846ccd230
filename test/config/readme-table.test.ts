// README.md's configuration table is generated from the schema; this fails when a key
// was added, removed or re-described without regenerating it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configLeaves } from '../../app/config/load.ts';
import { configTable, END, README, START, withTable } from '../../scripts/config-table.ts';

test('README.md holds the current config table (node --import tsx scripts/config-table.ts --write)', () => {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  assert.ok(start >= 0 && end > start, 'README.md lacks the config-table markers');
  const current = readme.slice(start + START.length, end).trim();
  assert.equal(
    current,
    configTable(),
    'README.md config table is stale: run node --import tsx scripts/config-table.ts --write',
  );
});

test('the table has one row per key with its env name, and replacing it is idempotent', () => {
  const table = configTable();
  const leaves = configLeaves();
  assert.equal(table.split('\n').length, leaves.length + 2);
  for (const leaf of leaves)
    assert.ok(table.includes(`| \`${leaf.key}\` |`) && table.includes(`\`${leaf.env}\``));
  const doc = `intro\n${START}\nold\n${END}\noutro\n`;
  const once = withTable(doc, table);
  assert.equal(withTable(once, table), once);
  assert.ok(once.startsWith(`intro\n${START}\n| Key |`) && once.endsWith(`${END}\noutro\n`));
});
