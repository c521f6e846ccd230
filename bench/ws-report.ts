// The WebSocket (WebTorrent) section of bench/RESULTS.md, from bench/ws-results.json as
// ws-bench.ts writes it: medians with min–max per target, then trakx's ratios.

import { existsSync, readFileSync } from 'node:fs';
import { cell, summarize } from './report.ts';
import type { MetricDef, RunFigures } from './scenarios.ts';

export type WsTargetId = 'trakx' | 'bittorrent-tracker';
export type WsPhase = 'plain' | 'offers' | 'hold';

export interface WsBenchResults {
  started: string;
  seconds: number;
  load: { runs: number; conns: number; torrents: number; hold: number; seconds: number; pinned: boolean };
  /** 1-minute load average at the start and at the end. */
  loadavg: [number, number];
  runs: { target: WsTargetId; phase: WsPhase; run: number; figures: RunFigures }[];
}

const TARGETS: WsTargetId[] = ['trakx', 'bittorrent-tracker'];
const LABEL: Record<WsTargetId, string> = {
  trakx: 'trakx (app/ws)',
  'bittorrent-tracker': 'bittorrent-tracker',
};

const metric = (
  phase: WsPhase,
  key: string,
  label: string,
  unit: MetricDef['unit'],
  higherBetter = false,
) => ({
  phase,
  m: { key, label, unit, higherBetter },
});

const METRICS = [
  metric('plain', 'announcesPerS', 'announces/s, no offers', 'rps', true),
  metric('plain', 'cpuPct', 'server CPU, no offers', 'pct'),
  metric('plain', 'generatorCpuPct', 'generator CPU, no offers', 'pct'),
  metric('plain', 'cpuMsPer1k', 'CPU / 1k announces (ms)', 'ms'),
  metric('offers', 'announcesPerS', 'announces/s, 5 offers', 'rps', true),
  metric('offers', 'offersPerS', 'offers relayed/s', 'rps', true),
  metric('offers', 'cpuMsPer1k', 'CPU / 1k announces with offers (ms)', 'ms'),
  metric('hold', 'bytesPerConn', 'RSS per open connection (bytes)', 'bytes'),
];

/** The section's lines, or none when no WebSocket bench has been run. */
export function wsSection(file: string): string[] {
  if (!existsSync(file)) return [];
  const r = JSON.parse(readFileSync(file, 'utf8')) as WsBenchResults;
  const sum = (t: WsTargetId, p: WsPhase) =>
    summarize(r.runs.filter((x) => x.target === t && x.phase === p).map((x) => x.figures));
  const lines = [
    '## WebSocket tracker (WebTorrent)',
    '',
    `Produced by \`npm run bench:ws\` on ${r.started.slice(0, 10)} in ${Math.round(r.seconds)} s: ` +
      `${r.load.runs} alternated runs per target, each phase on a fresh server process` +
      `${r.load.pinned ? ' (server on CPU 0, generator on CPU 1)' : ''}; load average ${r.loadavg[0].toFixed(1)} at the start, ` +
      `${r.loadavg[1].toFixed(1)} at the end. Rates: ${r.load.conns} connections over ${r.load.torrents} torrents, ` +
      `one announce in flight each, ${r.load.seconds} s measured after 2 s; "5 offers" sends five 600-byte SDP offers ` +
      `per announce (as bittorrent-tracker's client does), relayed to up to 5 peers. Memory: ${r.load.hold} ` +
      'connections that announced once, resident growth of the server over its idle start divided by the count.',
    '',
    `| figure | ${TARGETS.map((t) => LABEL[t]).join(' | ')} | trakx ÷ bittorrent-tracker |`,
    `| --- | ${TARGETS.map(() => '---:').join(' | ')} | ---: |`,
  ];
  for (const { phase, m } of METRICS) {
    const s = TARGETS.map((t) => sum(t, phase)[m.key]);
    const ratio = s[0] && s[1] ? `${(s[0].median / s[1].median).toFixed(2)}×` : '–';
    lines.push(`| ${m.label} | ${s.map((x) => cell(m, x)).join(' | ')} | ${ratio} |`);
  }
  const busiest = Math.max(...TARGETS.map((t) => sum(t, 'plain').cpuPct?.median ?? 0));
  if (busiest < 90) {
    lines.push(
      '',
      'Neither server used a whole CPU in the rate phases (the generator or other load on the machine set the pace): ' +
        'announces/s say little here; the CPU per 1k announces compares the two.',
    );
  }
  const bad = r.runs.filter((x) => (x.figures.failures ?? 0) > 0 || (x.figures.closed ?? 0) > 0);
  for (const b of bad) {
    lines.push(
      '',
      `- ${LABEL[b.target]} run ${b.run + 1} (${b.phase}): ${b.figures.failures} failure replies, ${b.figures.closed} connections closed`,
    );
  }
  lines.push('');
  return lines;
}
