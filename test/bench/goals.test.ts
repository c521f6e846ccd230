// The Targets section of RESULTS.md: each goal passes, fails or is "not measured" from a
// report's medians, and a miss that even bare node:dgram cannot meet is said to be so;
// the workers rows read their own targets, and the 4-core projection follows its model.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkGoals, GOALS, goalsMarkdown } from '../../bench/goals.ts';
import { type Report, type ScenarioOutcome, summarize, type TargetOutcome } from '../../bench/report.ts';
import type { RunFigures } from '../../bench/scenarios.ts';
import type { TargetId } from '../../bench/targets.ts';

function target(id: TargetId, runs: RunFigures[]): TargetOutcome {
  return { id, label: id, runs, summary: summarize(runs), problems: [] };
}

function scenario(id: string, targets: TargetOutcome[]): ScenarioOutcome {
  return { id, title: id, conditions: '', metrics: [], ratioKeys: [], references: [], targets, seconds: 1 };
}

/** A full report in which trakx meets every target (fast build as trakx). */
function passing(): Report {
  const both = (runs: RunFigures[]): TargetOutcome[] => [target('trakx', runs), target('trakx-fast', runs)];
  return {
    started: '2026-12-03T00:00:00.000Z',
    seconds: 1,
    mode: 'full',
    machine: {},
    notices: [],
    scenarios: [
      scenario('udp-10k', [
        target('bare-dgram', [{ announce_rps: 100_000 }]),
        target('bittorrent-tracker', [{ announce_rps: 15_000 }]),
        ...both([{ announce_rps: 95_000, cpu_pct_fixed: 12 }]),
      ]),
      scenario('udp-1m', [
        target('bare-dgram', [{ announce_rps: 100_000 }]),
        target('bittorrent-tracker', [{ announce_rps: 20_000 }]),
        ...both([{ announce_rps: 90_000, rss_mib: 200 }]),
      ]),
      scenario('udp-loaded', [
        ...both([
          { cpu_pct_fixed: 13, bytes_per_peer: 59, p99_ms: 0.3, p999_ms: 2, lost: 0 },
          { cpu_pct_fixed: 14, bytes_per_peer: 60, p99_ms: 0.4, p999_ms: 2.5, lost: 0 },
        ]),
      ]),
      scenario('http', [
        target('bare-fastify', [{ keepalive_rps: 40_000, close_rps: 10_000 }]),
        ...both([{ keepalive_rps: 50_000, close_rps: 11_000 }]),
      ]),
      scenario('soak', [target('trakx', [{ flatness_pct: 1 }])]),
      scenario('redis-mode', [
        target('trakx', [{ node_us: 10 }]),
        target('trakx-redis', [{ node_us: 18, per_redis_core: 50_000, redis_us: 20, per_read: 30 }]),
      ]),
      scenario('workers', [
        target('trakx-prev', [{ per_cpu_s: 100_000 }]),
        target('trakx-w1', [{ per_cpu_s: 99_000, lock_wait_pct: 0 }]),
        target('trakx-w2', [{ per_cpu_s: 95_000, lock_wait_pct: 1, lock_held_pct: 5, worker_spread_pct: 4 }]),
        target('trakx-w2-spread', [{ per_cpu_s: 90_000, lock_wait_pct: 2 }]),
      ]),
    ],
  };
}

function runsOf(r: Report, sc: string, id: TargetId): RunFigures[] {
  return r.scenarios.find((s) => s.id === sc)!.targets.find((t) => t.id === id)!.runs;
}

function resummarize(r: Report): void {
  for (const s of r.scenarios) for (const t of s.targets) t.summary = summarize(t.runs);
}

test('a report meeting every target passes every goal', () => {
  const checks = checkGoals(passing());
  assert.equal(checks.length, GOALS.length);
  for (const c of checks) assert.equal(c.holds, true, `${c.goal.text}: ${c.shown}`);
  assert.match(goalsMarkdown(passing()).join('\n'), new RegExp(`meets ${GOALS.length} of ${GOALS.length}`));
});

test('a figure past its limit fails that goal only, and the limit itself passes', () => {
  const r = passing();
  runsOf(r, 'udp-loaded', 'trakx')[1].bytes_per_peer = 70; // median of 59 and 70: 64.5
  runsOf(r, 'http', 'trakx')[0].close_rps = 8_500; // exactly 0.85x bare Fastify
  resummarize(r);
  const failed = checkGoals(r).filter((c) => c.holds !== true);
  assert.deepEqual(
    failed.map((c) => c.goal.text),
    ['RSS per peer at 1M peers over 100k torrents ≤ 64 bytes'],
  );
  assert.equal(failed[0].shown, '65 B');
});

test('one lost reply in any run fails the lost-replies goal, though the median is 0', () => {
  const r = passing();
  runsOf(r, 'udp-loaded', 'trakx')[1].lost = 1;
  runsOf(r, 'udp-loaded', 'trakx').push({ lost: 0 });
  resummarize(r);
  const lost = checkGoals(r).find((c) => c.goal.figure.key === 'lost')!;
  assert.equal(lost.holds, false);
});

test('a goal whose scenario or reference was not run is not measured, never a pass', () => {
  const r = passing();
  r.scenarios = r.scenarios.filter((s) => s.id !== 'soak');
  r.scenarios.find((s) => s.id === 'http')!.targets.shift(); // no bare Fastify
  const unmeasured = checkGoals(r)
    .filter((c) => c.holds === null)
    .map((c) => c.goal.scenario);
  assert.deepEqual(unmeasured, ['http', 'http', 'soak']);
  const md = goalsMarkdown(r).join('\n');
  assert.match(md, /not measured/);
  assert.match(md, new RegExp(`meets ${GOALS.length - 3} of ${GOALS.length}`));
});

test('a ratio miss that bare node:dgram misses too is reported as beyond node:dgram', () => {
  const r = passing();
  // bittorrent-tracker at 28k: 4x is 112k, above bare node:dgram's 100k.
  runsOf(r, 'udp-1m', 'bittorrent-tracker')[0].announce_rps = 28_000;
  resummarize(r);
  const miss = checkGoals(r).find((c) => c.holds === false)!;
  assert.equal(miss.goal.scenario, 'udp-1m');
  assert.equal(miss.shown, '3.21×');
  assert.ok(Math.abs(miss.ceilingRatio! - 100 / 28) < 1e-9);
  const md = goalsMarkdown(r).join('\n');
  assert.match(md, /3\.21× ✗/);
  assert.match(
    md,
    /Missed: UDP announces\/s, 1M torrents \/ 1M peers ≥ 4× bittorrent-tracker \(3\.21×\)\. bare node:dgram itself reaches 3\.57×/,
  );
});

test('a miss that bare node:dgram would meet gets no ceiling excuse', () => {
  const r = passing();
  runsOf(r, 'udp-1m', 'trakx')[0].announce_rps = 70_000; // 3.5x bittorrent-tracker, 0.7x bare
  resummarize(r);
  const misses = checkGoals(r)
    .filter((c) => c.holds === false)
    .map((c) => c.goal.text);
  assert.equal(misses.length, 2);
  assert.doesNotMatch(goalsMarkdown(r).join('\n'), /Missed:/);
});

test('redis mode: at least 40k per Redis core, and at most 2x the Node CPU of memory mode', () => {
  const r = passing();
  const redis = runsOf(r, 'redis-mode', 'trakx-redis')[0];
  redis.per_redis_core = 40_000;
  redis.node_us = 20; // exactly 2x memory mode
  resummarize(r);
  assert.deepEqual(
    checkGoals(r).filter((c) => c.holds !== true),
    [],
  );
  redis.per_redis_core = 39_000;
  redis.node_us = 21;
  resummarize(r);
  const failed = checkGoals(r).filter((c) => c.holds !== true);
  assert.deepEqual(
    failed.map((c) => [c.goal.text, c.shown]),
    [
      ['Announces/s through one Redis core with two instances ≥ 40k', '39.0k'],
      ['Node CPU per announce in redis mode ≤ 2× memory mode', '2.10×'],
    ],
  );
  assert.match(
    goalsMarkdown(r).join('\n'),
    /Missed: Announces\/s through one Redis core with two instances ≥ 40k \(39\.0k\)\. redis-server spent 20\.0 µs of CPU per announce and 30\.0 announces per socket read/,
  );
  // One figure per goal: the fast build's column stays empty for redis mode.
  const row = goalsMarkdown(r).find((l) => l.startsWith('| Node CPU per announce'))!;
  assert.equal(row, '| Node CPU per announce in redis mode ≤ 2× memory mode | 2.10× ✗ |  |  |');
});

test('workers rows read their own targets; the projection is the lock as a finite-source queue', () => {
  const r = passing();
  const w2 = runsOf(r, 'workers', 'trakx-w2')[0];
  // T = 1/95k, h = 0.10·T: ρ = h/(T − h) = 1/9, Σ n!/(n−k)! ρ^k = 1.6292 for n = 4, so
  // X = (1 − 1/1.6292)/h = 366.9k/s, 3.71× workers: 1's 99k; Amdahl would say 292.3k.
  w2.lock_held_pct = 10;
  resummarize(r);
  assert.deepEqual(
    checkGoals(r).filter((c) => c.holds !== true),
    [],
  );
  let md = goalsMarkdown(r).join('\n');
  assert.match(md, /\| Lock wait share at 2 workers \(lock wait ÷ tracker CPU\) ≤ 5 % \| 1\.0 % ✓ \| {2}\|/);
  assert.match(
    md,
    /s = 10\.0 %.* gives 366\.9k\/s \(3\.71× r1\).* at 1\.0 % of CPU time; measured: 1\.0 %.* = 292\.3k\/s/,
  );
  // A lock held 30 % of the time: 275.1k/s, 2.78×.
  w2.lock_held_pct = 30;
  resummarize(r);
  assert.deepEqual(
    checkGoals(r)
      .filter((c) => c.holds !== true)
      .map((c) => c.shown),
    ['275.1k', '2.78×'],
  );
  md = goalsMarkdown(r).join('\n');
  assert.match(md, /at 9\.0 % of CPU time/);
});

test('without the previous release its row is not measured, and the others still hold', () => {
  const r = passing();
  const sc = r.scenarios.find((s) => s.id === 'workers')!;
  sc.targets = sc.targets.filter((t) => t.id !== 'trakx-prev');
  const checks = checkGoals(r).filter((c) => c.goal.scenario === 'workers');
  assert.deepEqual(
    checks.map((c) => c.holds),
    [true, true, true, true, true, true, null],
  );
});
