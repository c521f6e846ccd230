// `npm run bench:ws` as a smoke run: both WebSocket servers start, the generator's
// announces are answered (no failure replies, no dropped connections), offers are relayed
// and memory is read. It never checks a speed: only that the bench works and measures.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { WsBenchResults } from '../../bench/ws-report.ts';
import { wsSection } from '../../bench/ws-report.ts';

const repo = resolve(import.meta.dirname, '../..');

test('bench:ws smoke run measures both servers', { timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'trakx-bench-ws-'));
  try {
    const args = ['--runs', '1', '--seconds', '1', '--conns', '40', '--hold', '200', '--out', out];
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/ws-bench.ts', ...args], {
      cwd: repo,
      timeout: 110_000,
    });
    const file = join(out, 'ws-results.json');
    const r = JSON.parse(readFileSync(file, 'utf8')) as WsBenchResults;
    for (const target of ['trakx', 'bittorrent-tracker']) {
      const fig = (phase: string) => r.runs.find((x) => x.target === target && x.phase === phase)!.figures;
      for (const phase of ['plain', 'offers']) {
        const f = fig(phase);
        assert.ok(f.announcesPerS! > 0, `${target} ${phase}`);
        assert.equal(f.failures, 0, `${target} ${phase} failure replies`);
        assert.equal(f.closed, 0, `${target} ${phase} closed connections`);
      }
      assert.ok(fig('offers').offersPerS! > 0, `${target} relayed offers`);
      assert.ok(Number.isFinite(fig('hold').bytesPerConn), `${target} memory read`);
    }
    assert.match(wsSection(file).join('\n'), /\| RSS per open connection \(bytes\) \| \d+/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
