// Turns the runs into bench/results.json (everything, machine-readable) and
// bench/RESULTS.md (medians with min–max, then trakx's ratios to each reference).

import type { MetricDef, RunFigures } from './scenarios.ts';
import type { TargetId } from './targets.ts';

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export interface TargetOutcome {
  id: TargetId;
  label: string;
  runs: RunFigures[];
  summary: Record<string, Summary>;
  problems: string[];
  /** Why the target was not measured (not installed, failed to start, …). */
  skipped?: string;
  series?: { t: number; rssKiB: number }[];
}

export interface ScenarioOutcome {
  id: string;
  title: string;
  conditions: string;
  metrics: MetricDef[];
  ratioKeys: string[];
  references: TargetId[];
  targets: TargetOutcome[];
  seconds: number;
}

export interface Report {
  started: string;
  seconds: number;
  mode: 'full' | 'quick';
  machine: Record<string, string>;
  notices: string[];
  scenarios: ScenarioOutcome[];
}

export function summarize(runs: RunFigures[]): Record<string, Summary> {
  const keys = new Set(runs.flatMap((r) => Object.keys(r)));
  const out: Record<string, Summary> = {};
  for (const k of keys) {
    const v = runs
      .map((r) => r[k])
      .filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
      .sort((a, b) => a - b);
    if (v.length === 0) continue;
    const mid = v.length >> 1;
    const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    out[k] = { median, min: v[0], max: v[v.length - 1], n: v.length };
  }
  return out;
}

export function fmt(unit: MetricDef['unit'], x: number): string {
  if (!Number.isFinite(x)) return '–';
  switch (unit) {
    case 'rps':
      return x >= 10_000
        ? `${(x / 1000).toFixed(1)}k`
        : x >= 1000
          ? `${(x / 1000).toFixed(2)}k`
          : x.toFixed(0);
    case 'pct':
      return x < 10 ? `${x.toFixed(1)} %` : `${x.toFixed(0)} %`;
    case 'ms':
      return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
    case 'us':
      return x >= 10 ? x.toFixed(1) : x.toFixed(2);
    case 'mib':
      return x >= 100 ? x.toFixed(0) : x.toFixed(1);
    case 'bytes':
      return x.toFixed(0);
    case 'count':
      return x.toFixed(0);
    case 'seconds':
      return `${x.toFixed(1)} s`;
  }
}

export function cell(m: MetricDef, s: Summary | undefined): string {
  if (!s) return '–';
  const med = fmt(m.unit, s.median);
  if (s.n < 2 || fmt(m.unit, s.min) === fmt(m.unit, s.max)) return med;
  return `${med} <sub>${fmt(m.unit, s.min)}–${fmt(m.unit, s.max)}</sub>`;
}

function unitSuffix(m: MetricDef): string {
  switch (m.unit) {
    case 'ms':
      return ' (ms)';
    case 'us':
      return ' (µs)';
    case 'mib':
      return ' (MiB)';
    default:
      return '';
  }
}

/** trakx ÷ reference for one figure (for costs, reference ÷ trakx is not used: the ratio is always trakx over it). */
export function ratio(sc: ScenarioOutcome, subject: TargetId, reference: TargetId, key: string): number {
  const a = sc.targets.find((t) => t.id === subject)?.summary[key]?.median;
  const b = sc.targets.find((t) => t.id === reference)?.summary[key]?.median;
  return a !== undefined && b !== undefined && b !== 0 ? a / b : Number.NaN;
}

/**
 * Who limited each saturated measurement. A target whose own CPU was (nearly) all used
 * was limited by its own cost: the generator outran it. A target with CPU to spare while
 * the generator's was used up was limited by the generator; for those, "announces per
 * tracker CPU-second" and the fixed-rate CPU figures (which do not depend on the
 * generator) are the ones to compare.
 */
function generatorCheck(sc: ScenarioOutcome): string {
  const measured = sc.targets.filter(
    (t) => !t.skipped && t.summary.announce_rps && t.summary.tracker_cpu_pct,
  );
  if (measured.length > 0) {
    const self: string[] = [];
    const both: string[] = [];
    const generator: string[] = [];
    const other: string[] = [];
    for (const t of measured) {
      const own = t.summary.tracker_cpu_pct!.median;
      const gen = t.summary.generator_cpu_pct?.median ?? 0;
      const what = `${t.label} (${fmt('pct', own)} vs ${fmt('pct', gen)})`;
      if (own >= 90 && gen >= 90) both.push(what);
      else if (own >= 90) self.push(what);
      else if (gen >= 90) generator.push(what);
      else other.push(what);
    }
    const parts = [
      'Generator check (tracker CPU vs generator CPU at full load):',
      self.length ? `limited by their own cost — the generator outran them: ${self.join(', ')}.` : '',
      both.length ? `Both at their limit: ${both.join(', ')}.` : '',
      generator.length
        ? `Limited by the generator (a Node process too, it needs about as much CPU per request as these): ` +
          `${generator.join(', ')}; for them compare "announces per tracker CPU-second" and the fixed-rate CPU columns.`
        : '',
      other.length ? `Neither saturated (other load on the machine): ${other.join(', ')}.` : '',
    ];
    return parts.filter(Boolean).join(' ');
  }
  const bareHttp = sc.targets.find((t) => t.id === 'bare-http' && !t.skipped)?.summary;
  if (bareHttp?.keepalive_rps) {
    return (
      `Generator check: against bare node:http the HTTP load reached ${fmt('rps', bareHttp.keepalive_rps.median)} ` +
      `announces/s with keep-alive and ${fmt('rps', bareHttp.close_rps?.median ?? Number.NaN)} with ` +
      '`Connection: close`; the "CPU / 1k" columns are the tracker\'s own cost and do not depend on the load tool.'
    );
  }
  return '';
}

/** `sections`: lines placed after the machine table and notices, before the scenarios. */
export function markdown(r: Report, sections: string[] = []): string {
  const lines: string[] = [];
  lines.push('# trakx benchmark results', '');
  lines.push(
    `Produced by \`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\` on ${r.started.slice(0, 10)} ` +
      `in ${Math.floor(r.seconds / 60)} min ${Math.floor(r.seconds % 60)} s (${r.mode} mode). ` +
      'Each cell is the median of the runs with min–max in small print; every run used a fresh tracker process. ' +
      'Ratio tables divide trakx by each reference: above 1 is better for rates, below 1 is better for costs ' +
      '(CPU, bytes, latency). ⚠ marks a target whose replies or runs had problems (listed under its table).',
    '',
  );
  lines.push('| Machine | |', '| --- | --- |');
  for (const [k, v] of Object.entries(r.machine)) lines.push(`| ${k} | ${v} |`);
  lines.push('');
  if (r.notices.length) {
    lines.push('Notices:', '');
    for (const n of r.notices) lines.push(`- ${n}`);
    lines.push('');
  }
  lines.push(...sections);
  for (const sc of r.scenarios) {
    lines.push(`## ${sc.title}`, '');
    lines.push(`Scenario \`${sc.id}\` (${Math.round(sc.seconds)} s). ${sc.conditions}`, '');
    lines.push(`| target | runs | ${sc.metrics.map((m) => `${m.label}${unitSuffix(m)}`).join(' | ')} |`);
    lines.push(`| --- | --- | ${sc.metrics.map(() => '---:').join(' | ')} |`);
    for (const t of sc.targets) {
      if (t.skipped) {
        lines.push(`| ${t.label} | – | ${sc.metrics.map(() => '–').join(' | ')} |`);
        continue;
      }
      const mark = t.problems.length ? ' ⚠' : '';
      lines.push(
        `| ${t.label}${mark} | ${t.runs.length} | ${sc.metrics.map((m) => cell(m, t.summary[m.key])).join(' | ')} |`,
      );
    }
    lines.push('');
    const subjects = sc.targets.filter((t) => (t.id === 'trakx' || t.id === 'trakx-fast') && !t.skipped);
    const refs = sc.references.filter((id) => sc.targets.some((t) => t.id === id && !t.skipped));
    if (sc.ratioKeys.length && subjects.length && refs.length) {
      lines.push(
        `| ratio (trakx ÷ reference) | ${refs.map((id) => sc.targets.find((t) => t.id === id)!.label).join(' | ')} |`,
      );
      lines.push(`| --- | ${refs.map(() => '---:').join(' | ')} |`);
      for (const s of subjects) {
        for (const key of sc.ratioKeys) {
          const m = sc.metrics.find((x) => x.key === key)!;
          const cells = refs.map((ref) => {
            const x = ratio(sc, s.id, ref, key);
            return Number.isFinite(x) ? `${x.toFixed(2)}×` : '–';
          });
          lines.push(`| ${s.label}: ${m.label} | ${cells.join(' | ')} |`);
        }
      }
      lines.push('');
    }
    const headroom = generatorCheck(sc);
    if (headroom) lines.push(headroom, '');
    const notes = sc.targets.flatMap((t) => [
      ...(t.skipped ? [`${t.label}: skipped — ${t.skipped}`] : []),
      ...t.problems.map((p) => `${t.label}: ${p}`),
    ]);
    if (notes.length) {
      for (const n of notes) lines.push(`- ${n}`);
      lines.push('');
    }
    for (const t of sc.targets) {
      if (!t.series?.length) continue;
      lines.push(
        `RSS of ${t.label} over time (s: MiB): ` +
          t.series.map((x) => `${x.t}: ${(x.rssKiB / 1024).toFixed(0)}`).join(', '),
        '',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
