// `npm run bench -- --quick` end to end: every target starts, the generators run, and the
// replies they got are valid (the quick mode decodes samples of announce replies, checks
// their peers, and scrapes to confirm the trackers hold what was announced). It never
// checks a speed: only that the suite works and measures real replies.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { Report } from '../../bench/report.ts';

const repo = resolve(import.meta.dirname, '../..');

function runQuick(out: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    // --no-install: never reach for apt-get from a test; missing tools are skipped or
    // replaced (autocannon for wrk) and the report says so.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--quick', '--no-install', '--out', out],
      {
        cwd: repo,
        stdio: ['ignore', 'ignore', 'pipe'],
        // Its own process group, so a kill also ends the trackers the bench started.
        detached: true,
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    // A bound, not a speed check: a loaded shared machine can take three times a quiet one's.
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 300_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    });
  });
}

test(
  'bench --quick completes and every measured target gave valid replies',
  { timeout: 310_000 },
  async () => {
    const out = mkdtempSync(join(tmpdir(), 'trakx-bench-quick-'));
    try {
      const { code, stderr } = await runQuick(out);
      assert.equal(code, 0, `bench exited ${code}:\n${stderr.slice(-3000)}`);
      const report = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Report;
      assert.equal(report.mode, 'quick');
      assert.deepEqual(
        report.scenarios.map((s) => s.id),
        ['udp-10k', 'udp-1m', 'udp-loaded', 'http', 'soak', 'redis-mode', 'workers'],
      );
      const md = readFileSync(join(out, 'RESULTS.md'), 'utf8');
      assert.match(md, /## UDP announces/);
      // Tiny pools and one short run measure nothing about the targets: none are listed.
      assert.doesNotMatch(md, /## Targets/);

      const get = (scenario: string, target: string) => {
        const s = report.scenarios.find((x) => x.id === scenario)!;
        const t = s.targets.find((x) => x.id === target);
        assert.ok(t, `${scenario}: no row for ${target}`);
        return t;
      };
      for (const s of report.scenarios) {
        for (const t of s.targets) {
          if (t.skipped) {
            // Only references that may be absent from a machine (or a shallow clone) are ever skipped.
            assert.ok(
              ['opentracker', 'trakx-fast', 'trakx-prev'].includes(t.id),
              `${s.id}: ${t.id} skipped: ${t.skipped}`,
            );
            continue;
          }
          assert.deepEqual(t.problems, [], `${s.id}/${t.id}`);
          assert.equal(t.runs.length, 1, `${s.id}/${t.id} runs`);
        }
      }
      // Real replies were counted, and the stores really held the announced peers.
      for (const target of ['bare-dgram', 'trakx', 'bittorrent-tracker']) {
        assert.ok(get('udp-10k', target).summary.announce_rps!.median > 0, target);
        assert.ok(get('udp-10k', target).summary.scrape_mix_rps!.median > 0, target);
      }
      for (const target of ['trakx', 'bittorrent-tracker']) {
        assert.equal(get('udp-1m', target).summary.held_pct!.median, 100, target);
        assert.equal(get('udp-loaded', target).summary.held_pct!.median, 100, target);
        assert.ok(get('udp-loaded', target).summary.bytes_per_peer!.median > 0, target);
      }
      assert.ok(Number.isFinite(get('udp-loaded', 'trakx').summary.p99_ms!.median));
      for (const target of ['bare-http', 'bare-fastify', 'trakx', 'bittorrent-tracker']) {
        assert.ok(get('http', target).summary.keepalive_rps!.median > 0, target);
        assert.ok(get('http', target).summary.close_rps!.median > 0, target);
      }
      assert.ok(get('soak', 'trakx').series!.length > 0);
      // Redis mode: both instances answered (else a problem), held the pool, and Redis did the work.
      for (const target of ['trakx', 'trakx-redis']) {
        const s = get('redis-mode', target).summary;
        assert.ok(s.announce_rps!.median > 0, target);
        assert.equal(s.held_pct!.median, 100, target);
        assert.ok(s.node_us!.median > 0, target);
        assert.ok(Number.isFinite(s.p99_ms!.median), target);
      }
      assert.ok(get('redis-mode', 'trakx-redis').summary.per_redis_core!.median > 0);
      assert.equal(get('redis-mode', 'trakx').summary.per_redis_core, undefined, 'memory mode has no Redis');
      // Two workers both answered, and their lock was read from /metrics.
      for (const target of ['trakx-w2', 'trakx-w2-spread']) {
        const w = get('workers', target).summary;
        assert.ok(w.announce_rps!.median > 0, target);
        assert.ok(Number.isFinite(w.worker_spread_pct?.median), `${target}: requests per worker`);
        assert.ok(w.worker_spread_pct!.median < 100, `${target}: one worker answered everything`);
        assert.ok(w.lock_held_pct!.median > 0, `${target}: lock held time`);
      }
      assert.equal(get('workers', 'trakx-w1').summary.lock_held_pct!.median, 0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);
