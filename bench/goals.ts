// The performance targets trakx is held to, checked against one report, so RESULTS.md
// says by itself which hold. Each is read from the medians of the run that produced the
// report; a target whose figure is missing (a scenario or reference not run) is "not
// measured", never a pass.

import { PREVIOUS_RELEASE } from './previous-release.ts';
import { PROJECTED_CORES, project } from './projection.ts';
import { REDIS_MODE } from './redis-mode.ts';
import { fmt, type Report, ratio, type ScenarioOutcome } from './report.ts';
import type { MetricDef } from './scenarios.ts';
import { TARGETS, type TargetId } from './targets.ts';

type Figure =
  /** trakx's median ÷ a reference's median: at least the limit (at most with `atMost`). */
  | { kind: 'ratio'; key: string; reference: TargetId; atMost?: boolean }
  /**
   * trakx's median (or its worst run, for counts that must stay at zero): at most the
   * limit (at least with `atLeast`).
   */
  | { kind: 'value'; key: string; unit: MetricDef['unit']; worst?: boolean; atLeast?: boolean }
  /** A figure computed from the whole scenario (the projection): at least the limit. */
  | {
      kind: 'computed';
      key: string;
      unit: MetricDef['unit'] | 'times';
      compute: (sc: ScenarioOutcome) => number;
    };

export interface Goal {
  text: string;
  scenario: string;
  figure: Figure;
  limit: number;
  /** The target the figure is read from when it is not the build in the column (redis mode, workers). */
  subject?: TargetId;
  /**
   * For a ratio to a reference: show CEILING's own ratio to the same reference beside
   * it. When even the ceiling misses the limit, no Node tracker can meet it on this machine.
   */
  withCeiling?: boolean;
  /** What limited the figure, from the scenario's other figures, printed when it is missed. */
  limitedBy?: (sc: ScenarioOutcome) => string;
}

/** A median of the subject's, formatted, or – when it was not measured. */
function median(sc: ScenarioOutcome, id: TargetId, key: string, unit: MetricDef['unit']): string {
  const s = sc.targets.find((t) => t.id === id && !t.skipped)?.summary[key];
  return s ? fmt(unit, s.median) : '–';
}

/** Why announces per Redis core fall short: Redis CPU per announce, and whether I/O is in it. */
function redisCoreLimit(sc: ScenarioOutcome): string {
  const us = median(sc, 'trakx-redis', 'redis_us', 'us');
  const perRead = median(sc, 'trakx-redis', 'per_read', 'ratio');
  const io = perRead === '–' ? '' : ` and ${perRead} announces per socket read (so little of it is I/O)`;
  return (
    `redis-server spent ${us} µs of CPU per announce${io}: the script's own work bounds one core. ` +
    'redis-server shares its CPU with the load generator here, and with whatever else the machine runs ' +
    '(see the load average), which makes each call dearer than on a quiet core.'
  );
}

/** The ceiling of any Node UDP responder: answers without doing any tracker work. */
const CEILING: TargetId = 'bare-dgram';

const UNIT_SUFFIX: Partial<Record<MetricDef['unit'], string>> = { bytes: ' B', mib: ' MiB', ms: ' ms' };

const MB_IN_MIB = 1e6 / (1 << 20);

/** trakx's median at least `limit` times the reference's; the text ends with the limit and reference. */
function atLeastTimes(
  what: string,
  scenario: string,
  key: string,
  reference: TargetId,
  limit: number,
  withCeiling = false,
): Goal {
  const text = `${what} ≥ ${limit}× ${TARGETS[reference].label}`;
  return { text, scenario, figure: { kind: 'ratio', key, reference }, limit, withCeiling };
}

/** trakx's median (its worst run with `worst`) at most `limit`. */
function atMost(
  text: string,
  scenario: string,
  key: string,
  unit: MetricDef['unit'],
  limit: number,
  worst = false,
): Goal {
  return { text, scenario, figure: { kind: 'value', key, unit, worst }, limit };
}

/** Goals of redis mode (two instances on one Redis, scenario redis-mode). */
const REDIS_GOALS: Goal[] = [
  {
    text: 'Announces/s through one Redis core with two instances ≥ 40k',
    scenario: REDIS_MODE,
    figure: { kind: 'value', key: 'per_redis_core', unit: 'rps', atLeast: true },
    limit: 40_000,
    subject: 'trakx-redis',
    limitedBy: redisCoreLimit,
  },
  {
    text: 'Node CPU per announce in redis mode ≤ 2× memory mode',
    scenario: REDIS_MODE,
    figure: { kind: 'ratio', key: 'node_us', reference: 'trakx', atMost: true },
    limit: 2,
    subject: 'trakx-redis',
  },
];
/** A row of the workers scenario, read from its own target (not the column's build). */
function workersGoal(text: string, subject: TargetId, figure: Figure, limit: number): Goal {
  return { text, scenario: 'workers', subject, figure, limit };
}

function pct(key: string): Figure {
  return { kind: 'value', key, unit: 'pct' };
}

const TEN_K = '10k torrents / 100k peers';
const ONE_M = '1M torrents / 1M peers';
const LOADED = 'at 10k UDP requests/s with 1M peers loaded';

export const GOALS: readonly Goal[] = [
  atLeastTimes(`UDP announces/s, ${TEN_K}`, 'udp-10k', 'announce_rps', 'bare-dgram', 0.85),
  atLeastTimes(`UDP announces/s, ${TEN_K}`, 'udp-10k', 'announce_rps', 'bittorrent-tracker', 4, true),
  atLeastTimes(`UDP announces/s, ${ONE_M}`, 'udp-1m', 'announce_rps', 'bare-dgram', 0.85),
  atLeastTimes(`UDP announces/s, ${ONE_M}`, 'udp-1m', 'announce_rps', 'bittorrent-tracker', 4, true),
  atMost(
    `Tracker CPU at a fixed 10k UDP announces/s ≤ 20 % (${TEN_K})`,
    'udp-10k',
    'cpu_pct_fixed',
    'pct',
    20,
  ),
  atMost(
    'Tracker CPU at a fixed 10k UDP announces/s ≤ 20 % (1M peers loaded)',
    'udp-loaded',
    'cpu_pct_fixed',
    'pct',
    20,
  ),
  atLeastTimes('HTTP keep-alive announces/s', 'http', 'keepalive_rps', 'bare-fastify', 0.8),
  atLeastTimes('HTTP `Connection: close` announces/s', 'http', 'close_rps', 'bare-fastify', 0.85),
  atMost(
    'RSS per peer at 1M peers over 100k torrents ≤ 64 bytes',
    'udp-loaded',
    'bytes_per_peer',
    'bytes',
    64,
  ),
  atMost('RSS with 1M torrents × 1 peer ≤ 300 MB (286 MiB)', 'udp-1m', 'rss_mib', 'mib', 300 * MB_IN_MIB),
  atMost(`p99 ${LOADED} ≤ 1 ms`, 'udp-loaded', 'p99_ms', 'ms', 1),
  atMost(`p99.9 ${LOADED} ≤ 5 ms`, 'udp-loaded', 'p999_ms', 'ms', 5),
  atMost(`No lost replies ${LOADED} (every run)`, 'udp-loaded', 'lost', 'count', 0, true),
  atMost('RSS flat within ±5 % across the soak once warm', 'soak', 'flatness_pct', 'pct', 5),
  ...REDIS_GOALS,
  workersGoal(
    'Announces per tracker CPU-second, `workers: 2` ≥ 0.9× `workers: 1` (both on one CPU)',
    'trakx-w2',
    { kind: 'ratio', key: 'per_cpu_s', reference: 'trakx-w1' },
    0.9,
  ),
  workersGoal(
    'Lock wait share at 2 workers (lock wait ÷ tracker CPU) ≤ 5 %',
    'trakx-w2',
    pct('lock_wait_pct'),
    5,
  ),
  workersGoal(
    'Lock wait share at 2 workers, not pinned (threads on both CPUs) ≤ 5 %',
    'trakx-w2-spread',
    pct('lock_wait_pct'),
    5,
  ),
  workersGoal(
    'Requests per worker within ±20 % of their mean (2 workers)',
    'trakx-w2',
    pct('worker_spread_pct'),
    20,
  ),
  workersGoal(
    `**Projection**: UDP announces/s on ${PROJECTED_CORES} cores ≥ 300k`,
    'trakx-w2',
    { kind: 'computed', key: 'projected_rps', unit: 'rps', compute: (sc) => project(sc)?.rate ?? Number.NaN },
    300_000,
  ),
  workersGoal(
    `**Projection**: ${PROJECTED_CORES} cores ≥ 3× one worker`,
    'trakx-w2',
    {
      kind: 'computed',
      key: 'projected_times',
      unit: 'times',
      compute: (sc) => project(sc)?.times ?? Number.NaN,
    },
    3,
  ),
  workersGoal(
    `\`workers: 1\` on Node 24 ≥ 0.97× the previous release (${PREVIOUS_RELEASE}, same Node), announces per tracker CPU-second`,
    'trakx-w1',
    { kind: 'ratio', key: 'per_cpu_s', reference: 'trakx-prev' },
    0.97,
  ),
];

/** A target another benchmark measures (its own results file and date), shown in the same table. */
export interface SideGoal {
  /** Names the benchmark and its date. */
  text: string;
  shown: string;
  holds: boolean;
}

export interface GoalCheck {
  goal: Goal;
  /** The figure as printed (ratio with ×, or in its unit). */
  shown: string;
  /** null: not measured in this report. */
  holds: boolean | null;
  /** The ceiling's own ratio to the reference, when the goal names one. */
  ceilingRatio?: number;
}

function figureOf(sc: ScenarioOutcome, subject: TargetId, f: Figure): number {
  if (f.kind === 'computed') return f.compute(sc);
  if (f.kind === 'ratio') return ratio(sc, subject, f.reference, f.key);
  const s = sc.targets.find((t) => t.id === subject && !t.skipped)?.summary[f.key];
  if (!s) return Number.NaN;
  return f.worst ? s.max : s.median;
}

export function checkGoals(r: Report, subject: TargetId = 'trakx'): GoalCheck[] {
  return GOALS.map((goal) => {
    const sc = r.scenarios.find((s) => s.id === goal.scenario);
    const value = sc ? figureOf(sc, goal.subject ?? subject, goal.figure) : Number.NaN;
    const f = goal.figure;
    const shown = !Number.isFinite(value)
      ? '–'
      : f.kind === 'ratio' || (f.kind === 'computed' && f.unit === 'times')
        ? `${value.toFixed(2)}×`
        : `${fmt(f.unit as MetricDef['unit'], value)}${UNIT_SUFFIX[f.unit as MetricDef['unit']] ?? ''}`;
    const holds = !Number.isFinite(value)
      ? null
      : f.kind === 'computed' || (f.kind === 'ratio' && !f.atMost) || (f.kind === 'value' && f.atLeast)
        ? value >= goal.limit
        : value <= goal.limit;
    const check: GoalCheck = { goal, shown, holds };
    if (goal.withCeiling && f.kind === 'ratio' && sc)
      check.ceilingRatio = ratio(sc, CEILING, f.reference, f.key);
    return check;
  });
}

/**
 * The "Targets" section of RESULTS.md: one row per goal, for the default and the fast
 * build, then the rows of `side` targets (not counted as this run's).
 */
export function goalsMarkdown(r: Report, side: SideGoal[] = []): string[] {
  const trakx = checkGoals(r, 'trakx');
  const fast = checkGoals(r, 'trakx-fast');
  const ceiling = TARGETS[CEILING].label;
  const mark = (c: GoalCheck): string =>
    c.holds === null ? '– not measured' : `${c.shown} ${c.holds ? '✓' : '✗'}`;
  const lines = [
    '## Targets',
    '',
    'Each performance target, read from this run (medians; the lost-replies row takes the worst run). ' +
      `For a ratio to bittorrent-tracker, the last column gives ${ceiling}'s own ratio to it: a Node ` +
      'responder that does no tracker work at all. Where that ceiling misses the target too, no tracker on ' +
      'node:dgram can meet it on this machine.',
    '',
    `| target | trakx | trakx fast | ${ceiling}, same ratio |`,
    '| --- | ---: | ---: | ---: |',
  ];
  trakx.forEach((c, i) => {
    const own =
      c.ceilingRatio !== undefined && Number.isFinite(c.ceilingRatio) ? `${c.ceilingRatio.toFixed(2)}×` : '';
    // A workers row reads its own targets: the fast build has no column of its own there.
    const other = c.goal.subject ? '' : mark(fast[i]);
    lines.push(`| ${c.goal.text} | ${mark(c)} | ${other} | ${own} |`);
  });
  for (const g of side) lines.push(`| ${g.text} | ${g.shown} ${g.holds ? '✓' : '✗'} | – not measured |  |`);
  const held = trakx.filter((c) => c.holds === true).length;
  lines.push('', `trakx meets ${held} of ${trakx.length} targets in this run.`);
  for (const c of trakx) {
    const sc = r.scenarios.find((s) => s.id === c.goal.scenario);
    if (c.holds === false && c.goal.limitedBy && sc)
      lines.push('', `Missed: ${c.goal.text} (${c.shown}). ${c.goal.limitedBy(sc)}`);
    if (c.holds !== false || c.ceilingRatio === undefined || !(c.ceilingRatio < c.goal.limit)) continue;
    lines.push(
      '',
      `Missed: ${c.goal.text} (${c.shown}). ${ceiling} itself reaches ${c.ceilingRatio.toFixed(2)}×: ` +
        'the cost of receiving and sending a datagram through node:dgram alone is above the budget.',
    );
  }
  lines.push(...projectionText(r));
  lines.push('');
  return lines;
}

/** How the projection rows were reached, with the measured figures put in. */
function projectionText(r: Report): string[] {
  const sc = r.scenarios.find((s) => s.id === 'workers');
  const p = sc ? project(sc) : null;
  if (!p) return [];
  const n = PROJECTED_CORES;
  return [
    '',
    `The **projection** rows are not measured: this machine has 2 cores. From the workers scenario: ` +
      `r1 = ${fmt('rps', p.r1)} announces per CPU-second with one worker, r2 = r1·e with e = ` +
      `${p.efficiency.toFixed(2)} (2 workers both on one CPU: the sharing overhead) and s = ` +
      `${(100 * p.heldShare).toFixed(1)} % (the lock held over the tracker's CPU time at 2 workers). A request ` +
      `is a cycle T = 1/r2 holding the one lock for s·T; ${n} workers on their own cores are then ${n} clients ` +
      `of one server, and the finite-source queue (M/M/1//N) gives ${fmt('rps', p.rate)}/s ` +
      `(${p.times.toFixed(2)}× r1). The same model puts the lock wait at 2 workers at ` +
      `${(100 * p.predictedWait2).toFixed(1)} % of CPU time; measured: ${(100 * p.measuredWait2).toFixed(1)} %. ` +
      `Amdahl's law with s as a serial part, N·r2 ÷ (1 + s·(N − 1)) = ${fmt('rps', p.amdahl)}/s, would imply ` +
      'a 2-worker loss the measurement does not show. Both assume cores like these and a generator that ' +
      'keeps up (the load would need its own cores); an Ampere A1 core is slower per thread, and r1 here is ' +
      'what this shared machine gave in the same run.',
  ];
}
