// Sections other benchmarks keep in RESULTS.md survive a full run's re-render.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withSections, writeSection } from '../../bench/results-sections.ts';

test('a section is added once, replaced in place, and carried over a re-render', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trakx-sections-'));
  try {
    const file = join(dir, 'RESULTS.md');
    writeFileSync(file, '# results\n\nold table\n');
    writeSection(file, 'redis', '## Redis\n\nfirst');
    writeSection(file, 'other', '## Other\n\nx');
    writeSection(file, 'redis', '## Redis\n\nsecond');
    const text = readFileSync(file, 'utf8');
    assert.equal(text.match(/## Redis/g)?.length, 1);
    assert.ok(text.includes('second') && !text.includes('first'));
    assert.ok(text.indexOf('## Redis') < text.indexOf('## Other'), 'replaced where it was');
    const next = withSections(file, '# results\n\nnew table\n');
    assert.ok(next.startsWith('# results\n\nnew table\n'));
    assert.ok(!next.includes('old table'));
    assert.ok(next.includes('## Redis\n\nsecond') && next.includes('## Other\n\nx'));
    assert.equal(withSections(join(dir, 'missing.md'), 'fresh'), 'fresh');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
