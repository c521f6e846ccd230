// `npm run bench`: trakx side by side with opentracker, bittorrent-tracker and the bare
// Node responders, on one machine, in one run. Writes bench/RESULTS.md and
// bench/results.json. See the README's "Benchmarks" section.
//
//   npm run bench                      full run (about 32 minutes, the soak included)
//   npm run bench -- --quick           one-minute smoke: tiny pools, one short run each
//   npm run bench -- --only udp-10k,http --skip-soak
//   npm run bench -- --only redis-mode --merge   measure some scenarios and put them into
//                                                 the last full run's results (--out)
//   npm run bench -- --only workers        worker threads against one and the previous release
//   options: --runs N  --targets trakx,bare-dgram  --window N  --autocannon (instead of wrk)
//            --out DIR  --no-install  --no-build
//   npm run bench -- --report bench/results.json   re-render RESULTS.md from a run's results
//                                                 (into --out), measuring nothing

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REDIS_PRESENT } from '../test/helpers/redis-server.ts';
import { bundleChildren } from './bundle.ts';
import { goalsMarkdown } from './goals.ts';
import { benchLock } from './lock.ts';
import { mergeRuns } from './merge.ts';
import { buildPreviousRelease } from './previous-release.ts';
import { REDIS_MODE, redisMode } from './redis-mode.ts';
import { markdown, type Report, type ScenarioOutcome, summarize, type TargetOutcome } from './report.ts';
import { withSections } from './results-sections.ts';
import { allScenarios, type Ctx, type RunFigures, SCENARIO_IDS } from './scenarios.ts';
import { RESULTS_FILE, storeGoals } from './store-report.ts';
import {
  opentrackerPath,
  type Running,
  startTarget,
  TARGETS,
  type TargetEnv,
  type TargetId,
} from './targets.ts';
import { WORKERS_SCENARIO, workersScenario } from './workers-scenario.ts';
import { wsSection } from './ws-report.ts';

const IDS = [...SCENARIO_IDS, REDIS_MODE, WORKERS_SCENARIO];

interface Options {
  quick: boolean;
  only: string[] | null;
  skipSoak: boolean;
  runs: number | null;
  targets: TargetId[] | null;
  out: string;
  install: boolean;
  build: boolean;
  window: number;
  autocannon: boolean;
  /** A results.json to re-render instead of running anything. */
  report: string | null;
  /** Put this run's scenarios into the results.json already in `out`. */
  merge: boolean;
}

const benchDir = dirname(fileURLToPath(import.meta.url));
const repo = resolve(benchDir, '..');

function parseArgs(argv: string[]): Options {
  const o: Options = {
    quick: false,
    only: null,
    skipSoak: false,
    runs: null,
    targets: null,
    out: benchDir,
    install: true,
    build: true,
    window: 128,
    autocannon: false,
    report: null,
    merge: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = value().split(',');
    else if (a === '--skip-soak') o.skipSoak = true;
    else if (a === '--runs') o.runs = Number(value());
    else if (a === '--targets') o.targets = value().split(',') as TargetId[];
    else if (a === '--out') o.out = resolve(value());
    else if (a === '--no-install') o.install = false;
    else if (a === '--no-build') o.build = false;
    else if (a === '--window') o.window = Number(value());
    else if (a === '--autocannon') o.autocannon = true;
    else if (a === '--report') o.report = resolve(value());
    else if (a === '--merge') o.merge = true;
    else throw new Error(`unknown option ${a}`);
  }
  for (const s of o.only ?? [])
    if (!IDS.includes(s)) throw new Error(`unknown scenario ${s} (${IDS.join(', ')})`);
  for (const t of o.targets ?? [])
    if (!(t in TARGETS)) throw new Error(`unknown target ${t} (${Object.keys(TARGETS).join(', ')})`);
  if (o.runs !== null && !(o.runs >= 1)) throw new Error('--runs must be at least 1');
  return o;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** wrk and opentracker from Debian: installed with apt-get when root, else skipped with a notice. */
function ensureTools(o: Options, notices: string[]): void {
  const missing = ['wrk', 'opentracker'].filter((p) => (p === 'opentracker' ? !opentrackerPath() : !has(p)));
  if (missing.length === 0) return;
  const root = process.getuid?.() === 0;
  if (o.install && root && has('apt-get')) {
    log(`installing ${missing.join(' ')} with apt-get …`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = (): boolean =>
      spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
        stdio: 'ignore',
        env,
      }).status === 0;
    if (!install()) {
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
      install();
    }
  }
  if (!has('wrk'))
    notices.push('wrk is not installed (Debian package `wrk`): HTTP load used autocannon instead.');
  if (!opentrackerPath())
    notices.push('opentracker is not installed (Debian package `opentracker`): its rows are skipped.');
}

function buildTrakx(o: Options, notices: string[]): { fast: boolean } {
  if (o.build) {
    for (const script of ['build', 'build:fast']) {
      log(`npm run ${script} …`);
      const r = spawnSync('npm', ['run', script, '--silent'], {
        cwd: repo,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      if (r.status !== 0) notices.push(`\`npm run ${script}\` failed (exit ${r.status}).`);
    }
  }
  if (!existsSync(join(repo, 'dist/trakx.js')))
    throw new Error('dist/trakx.js is missing: npm run build failed');
  const fast = existsSync(join(repo, 'dist-fast/trakx.js'));
  if (!fast) notices.push('dist-fast/trakx.js is missing (`npm run build:fast`): the fast build is skipped.');
  return { fast };
}

function tryRun(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** dpkg's version of a Debian package (the format string is dpkg's, not a template). */
function debVersion(pkg: string): string {
  return tryRun('dpkg-query', ['-W', '-f', '$' + '{Version}', pkg]);
}

function machine(pinned: boolean): Record<string, string> {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const bt = JSON.parse(readFileSync(join(repo, 'node_modules/bittorrent-tracker/package.json'), 'utf8')) as {
    version: string;
  };
  const commit = tryRun('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']);
  const dirty = tryRun('git', ['-C', repo, 'status', '--porcelain', '--', 'app'])
    ? ' + uncommitted changes in app/'
    : '';
  return {
    CPU: `${model}, ${cpus().length} logical CPUs`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: release(),
    node: process.version,
    trakx: commit ? `${commit}${dirty}` : 'unknown',
    'bittorrent-tracker': bt.version,
    opentracker: debVersion('opentracker') || 'not installed',
    wrk: debVersion('wrk') || 'not installed (autocannon used)',
    pinning: pinned
      ? 'tracker on CPU 0, load generator on CPU 1 (taskset)'
      : 'none (taskset missing or one CPU)',
    'load average at start': loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.report) {
    const report = JSON.parse(readFileSync(o.report, 'utf8')) as Report;
    mkdirSync(o.out, { recursive: true });
    const file = join(o.out, 'RESULTS.md');
    writeFileSync(file, withSections(file, render(report)));
    log(`wrote ${join(o.out, 'RESULTS.md')} from ${o.report}`);
    return;
  }
  const unlock = o.quick ? () => {} : await benchLock(log);
  const started = new Date();
  const t0 = Date.now();
  const notices: string[] = [];
  ensureTools(o, notices);
  const { fast } = buildTrakx(o, notices);
  // Outside bench/ (so the linter never sees generated code), where npm packages resolve.
  const children = await bundleChildren(benchDir, join(repo, 'node_modules/.cache/trakx-bench'));
  const pinned = has('taskset') && cpus().length >= 2;
  const pin = (cpu: string): string[] => (pinned ? ['taskset', '-c', cpu] : []);
  const workDir = mkdtempSync(join(tmpdir(), 'trakx-bench-'));
  const ctx: Ctx = {
    quick: o.quick,
    repo,
    workDir,
    children,
    genPin: pin('1'),
    wrk: !o.autocannon && has('wrk'),
    window: o.window,
    log,
  };
  const env: TargetEnv = {
    repo,
    children,
    pin,
    trackerCpu: '0',
    generatorCpu: '1',
    workDir,
    opentrackerBin: opentrackerPath(),
    previousBuild: null,
  };
  let previousProblem = '';
  const unavailable = (id: TargetId): string | null => {
    if (id === 'opentracker' && !env.opentrackerBin) return 'not installed';
    if (id === 'trakx-fast' && !fast) return 'dist-fast/trakx.js missing';
    if (id === 'trakx-redis' && !REDIS_PRESENT)
      return 'redis-server not installed (Debian package redis-server)';
    if (id === 'trakx-prev' && !env.previousBuild) return previousProblem;
    return null;
  };

  let scenarios = [...allScenarios(ctx), redisMode(ctx), workersScenario(ctx)];
  if (o.only) scenarios = scenarios.filter((s) => o.only!.includes(s.id));
  if (o.skipSoak) scenarios = scenarios.filter((s) => s.id !== 'soak');
  const wanted = (id: TargetId): boolean => !o.targets || o.targets.includes(id);
  if (wanted('trakx-prev') && scenarios.some((s) => s.targets.includes('trakx-prev'))) {
    log('building the previous release …');
    const prev = buildPreviousRelease(repo, workDir);
    if ('script' in prev) env.previousBuild = prev.script;
    else {
      previousProblem = prev.error;
      notices.push(`The previous release was not measured: ${prev.error}.`);
    }
  }

  const report: Report = {
    started: started.toISOString(),
    seconds: 0,
    mode: o.quick ? 'quick' : 'full',
    machine: machine(pinned),
    notices,
    scenarios: [],
  };
  let failures = 0;
  try {
    for (const sc of scenarios) {
      const s0 = Date.now();
      const targets = sc.targets.filter((id) => !o.targets || o.targets.includes(id));
      const outcomes = new Map<TargetId, TargetOutcome>();
      for (const id of targets) {
        outcomes.set(id, { id, label: TARGETS[id].label, runs: [], summary: {}, problems: [] });
        const why = unavailable(id);
        if (why) outcomes.get(id)!.skipped = why;
      }
      const runsOf = (id: TargetId): number => o.runs ?? sc.runsFor?.[id] ?? sc.runs;
      const maxRuns = Math.max(0, ...targets.map(runsOf));
      // Runs interleave across targets, so a slow drift of the machine's background load
      // spreads over every target instead of favouring one.
      for (let run = 0; run < maxRuns; run++) {
        for (const id of targets) {
          const out = outcomes.get(id)!;
          if (out.skipped || run >= runsOf(id)) continue;
          const tag = `[${sc.id}] ${out.label} run ${run + 1}/${runsOf(id)}`;
          let target: Running | null = null;
          try {
            target = await startTarget(env, id, { pool: sc.pool, env: sc.env, settleMs: o.quick ? 50 : 500 });
            let r = await sc.run(ctx, target);
            if (r.stalled) {
              // Measured the machine's other work, not the target: once more, fresh.
              notices.push(`${tag} was repeated: the machine stalled (${r.stalled}).`);
              log(`${tag}: machine stalled (${r.stalled}), repeating the run`);
              await target.stop();
              target = await startTarget(env, id, {
                pool: sc.pool,
                env: sc.env,
                settleMs: o.quick ? 50 : 500,
              });
              r = await sc.run(ctx, target);
              if (r.stalled) r.problems.push(`the machine stalled twice (${r.stalled})`);
            }
            out.runs.push(r.figures);
            out.problems.push(...r.problems.map((p) => (runsOf(id) > 1 ? `run ${run + 1}: ${p}` : p)));
            if (r.series) out.series = r.series;
            log(
              `${tag}: ${brief(r.figures)}${r.problems.length ? ` — PROBLEMS: ${r.problems.join('; ')}` : ''}`,
            );
          } catch (err) {
            const msg = err instanceof Error ? err.message : String(err);
            out.problems.push(`run ${run + 1} failed: ${msg}`);
            log(`${tag}: FAILED ${msg}`);
          } finally {
            await target?.stop();
          }
        }
      }
      const result: ScenarioOutcome = {
        id: sc.id,
        title: sc.title,
        conditions: sc.conditions,
        metrics: sc.metrics,
        ratioKeys: sc.ratioKeys,
        references: sc.references,
        targets: [...outcomes.values()].map((t) => ({ ...t, summary: summarize(t.runs) })),
        seconds: (Date.now() - s0) / 1000,
      };
      failures += result.targets.reduce((n, t) => n + t.problems.length, 0);
      report.scenarios.push(result);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    unlock();
  }
  report.seconds = (Date.now() - t0) / 1000;
  report.machine['load average at end'] = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  mkdirSync(o.out, { recursive: true });
  const base = join(o.out, 'results.json');
  const written =
    o.merge && existsSync(base)
      ? mergeRuns(JSON.parse(readFileSync(base, 'utf8')) as Report, report)
      : report;
  const md = render(written);
  const file = join(o.out, 'RESULTS.md');
  writeFileSync(file, withSections(file, md));
  writeFileSync(base, `${JSON.stringify(written, null, 2)}\n`);
  process.stdout.write(md);
  log(`wrote ${join(o.out, 'RESULTS.md')} and results.json in ${Math.round(report.seconds)} s`);
  if (failures > 0) {
    log(`${failures} problem(s) with replies or runs: see RESULTS.md`);
    process.exitCode = 1;
  }
}

/**
 * RESULTS.md; a quick run's tiny pools say nothing about the targets, so it lists none. The
 * WebSocket section comes from the last `npm run bench:ws` (ws-results.json), the lock
 * target's row from the last bench/store-bench.ts (store-results.json).
 */
function render(report: Report): string {
  const ws = wsSection(join(benchDir, 'ws-results.json'));
  const side = storeGoals(join(benchDir, RESULTS_FILE));
  return markdown(report, [...(report.mode === 'full' ? goalsMarkdown(report, side) : []), ...ws]);
}

function brief(f: RunFigures): string {
  return Object.entries(f)
    .map(
      ([k, v]) => `${k}=${Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : '–'}`,
    )
    .join(' ');
}

main().catch((err: unknown) => {
  log(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
