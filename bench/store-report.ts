// bench/store-bench.ts's figures: per-run results into bench/store-results.json, medians
// into their own section of RESULTS.md, and the lock-wait target's row of the Targets
// table (which a full `npm run bench` renders again from store-results.json).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goalsMarkdown, type SideGoal } from './goals.ts';
import { cell, type Report, summarize } from './report.ts';
import { writeSection } from './results-sections.ts';
import type { MetricDef, RunFigures } from './scenarios.ts';
import type { StoreWorkerResult } from './store-worker.ts';

interface ThreadRuns {
  one: StoreWorkerResult[];
  two: StoreWorkerResult[];
}

export interface StoreRun {
  /** One thread's CPU ns per announce on MemoryStore and on the shared store. */
  memoryNs: number;
  sharedNs: number;
  storeOnly: ThreadRuns;
  withOutside: ThreadRuns;
}

export interface StoreResults {
  date: string;
  node: string;
  torrents: number;
  peers: number;
  seconds: number;
  outsideUs: number;
  loadStart: number[];
  loadEnd: number[];
  runs: StoreRun[];
}

export const RESULTS_FILE = 'store-results.json';
const SECTION = 'store-threads';
export const LOCK_GOAL = 'Lock wait share at 2 workers ≤ 5 %';
const LOCK_LIMIT = 5;
/** A report without scenarios: goalsMarkdown() of it renders the side rows alone. */
const EMPTY: Report = { started: '', seconds: 0, mode: 'full', machine: {}, notices: [], scenarios: [] };

/** Figures of one thread count in one run: sums and averages over its threads. */
function figures(threads: StoreWorkerResult[]): RunFigures {
  const sum = (f: (t: StoreWorkerResult) => number) => threads.reduce((a, t) => a + f(t), 0);
  const ops = sum((t) => t.ops);
  const acquires = sum((t) => t.lock.acquires);
  return {
    perThread: ops / threads.length / (sum((t) => t.wallNs) / threads.length / 1e9),
    total: sum((t) => t.ops / (t.wallNs / 1e9)),
    perCpuSecond: ops / (sum((t) => t.cpuNs) / 1e9),
    heldNs: sum((t) => t.lock.heldNs) / acquires,
    waitPct: (100 * sum((t) => t.lock.waitNs)) / sum((t) => t.wallNs),
    contendedPct: (100 * sum((t) => t.lock.contended)) / acquires,
  };
}

const ROWS: MetricDef[] = [
  { key: 'perThread', label: 'announces/s per thread', unit: 'rps', higherBetter: true },
  { key: 'total', label: 'announces/s, all threads', unit: 'rps', higherBetter: true },
  { key: 'perCpuSecond', label: 'announces per thread CPU-second', unit: 'rps', higherBetter: true },
  { key: 'heldNs', label: 'lock held per announce (ns of wall time)', unit: 'count', higherBetter: false },
  { key: 'waitPct', label: 'lock wait share (wait ÷ run time)', unit: 'pct', higherBetter: false },
  { key: 'contendedPct', label: 'contended acquires', unit: 'pct', higherBetter: false },
];

function table(runs: StoreRun[], pick: (r: StoreRun) => ThreadRuns): string[] {
  const one = summarize(runs.map((r) => figures(pick(r).one)));
  const two = summarize(runs.map((r) => figures(pick(r).two)));
  const eff = summarize(
    runs.map((r) => ({ x: figures(pick(r).two).perCpuSecond / figures(pick(r).one).perCpuSecond })),
  ).x;
  return [
    '| figure | 1 thread | 2 threads |',
    '| --- | ---: | ---: |',
    ...ROWS.map((m) => `| ${m.label} | ${cell(m, one[m.key])} | ${cell(m, two[m.key])} |`),
    `| 2 threads ÷ 1 thread, per thread CPU-second | | ${eff.median.toFixed(2)}× <sub>${eff.min.toFixed(2)}–${eff.max.toFixed(2)}</sub> |`,
  ];
}

/** The median wait share of the 2-thread runs with work outside the lock, in %. */
function lockWait(res: StoreResults): { median: number; min: number; max: number } {
  return summarize(res.runs.map((r) => figures(r.withOutside.two))).waitPct;
}

export function storeMarkdown(res: StoreResults): string {
  const ratio = summarize(res.runs.map((r) => ({ x: r.memoryNs / r.sharedNs }))).x;
  const ns = summarize(res.runs.map((r) => ({ m: r.memoryNs, s: r.sharedNs })));
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  return [
    '## Shared store: one and two threads, no sockets',
    '',
    `Produced by \`node --import tsx bench/store-bench.ts --write\` on ${res.date.slice(0, 10)} under Node ${res.node}, ` +
      `${res.runs.length} runs (medians, min–max in small print). ${res.torrents} torrents × ${res.peers} IPv4 peers ` +
      'preloaded on the main thread into one shared store; each worker thread then announces random existing peers ' +
      `(numwant 50 into a compact buffer) for ${res.seconds} s. Threads are not pinned; the machine has 2 cores ` +
      `and was shared with other work (load average ${load(res.loadStart)} at the start, ${load(res.loadEnd)} at the end). ` +
      'Lock hold (sampled one hold in 32) and wait are wall time: a thread descheduled while it holds the lock ' +
      'holds it the whole time, which a loaded machine makes common.',
    '',
    `With ${res.outsideUs} µs of busy work after each announce, outside the lock (what a UDP request costs ` +
      'besides the store, as measured for node:dgram): the duty cycle of a worker serving sockets.',
    '',
    ...table(res.runs, (r) => r.withOutside),
    '',
    'Store only: announces back to back, the lock is never free for long (the worst case, not a tracker).',
    '',
    ...table(res.runs, (r) => r.storeOnly),
    '',
    `One thread, CPU per announce: MemoryStore ${ns.m.median.toFixed(0)} ns <sub>${ns.m.min.toFixed(0)}–${ns.m.max.toFixed(0)}</sub>, ` +
      `shared store ${ns.s.median.toFixed(0)} ns <sub>${ns.s.min.toFixed(0)}–${ns.s.max.toFixed(0)}</sub>: the shared store does ` +
      `${ratio.median.toFixed(2)}× <sub>${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}</sub> MemoryStore's announces per CPU-second ` +
      '(lock, sequence number and view check included). `workers: 1` keeps MemoryStore.',
  ].join('\n');
}

/** The Targets row from a store-results.json (none when the file is absent). */
export function storeGoals(file: string): SideGoal[] {
  if (!existsSync(file)) return [];
  const res = JSON.parse(readFileSync(file, 'utf8')) as StoreResults;
  const w = lockWait(res);
  return [
    {
      text: `${LOCK_GOAL} (bench/store-bench.ts ${res.date.slice(0, 10)}, ${res.outsideUs} µs outside the lock)`,
      shown: `${w.median.toFixed(1)} %`,
      holds: w.median <= LOCK_LIMIT,
    },
  ];
}

/** Replace (or add at the table's end) the row of `goal` in RESULTS.md's Targets table. */
function putTargetRow(md: string, goal: SideGoal): string {
  const lines = md.split('\n');
  const start = lines.indexOf('## Targets');
  if (start < 0) return md;
  const row = goalsMarkdown(EMPTY, [goal]).find((l) => l.startsWith(`| ${LOCK_GOAL}`))!;
  let last = -1;
  for (let i = start + 1; i < lines.length && !lines[i].startsWith('## '); i++) {
    if (lines[i].startsWith(`| ${LOCK_GOAL}`)) {
      lines[i] = row;
      return lines.join('\n');
    }
    if (lines[i].startsWith('|')) last = i;
  }
  if (last < 0) return md;
  lines.splice(last + 1, 0, row);
  return lines.join('\n');
}

export function writeStoreResults(dir: string, res: StoreResults, md: string, resultsMd: string): void {
  const file = join(dir, RESULTS_FILE);
  writeFileSync(file, `${JSON.stringify(res, null, 2)}\n`);
  writeSection(resultsMd, SECTION, md);
  for (const goal of storeGoals(file))
    writeFileSync(resultsMd, putTargetRow(readFileSync(resultsMd, 'utf8'), goal));
}
