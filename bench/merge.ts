// `npm run bench -- --only … --merge`: scenarios measured on their own, put into the last
// full run's results (bench/results.json) in place of that run's figures for them, so
// RESULTS.md and its Targets table cover every scenario without re-running the rest.
// A notice says which scenarios were measured when, on what, under what load.

import type { Report } from './report.ts';

export function mergeRuns(base: Report, part: Report): Report {
  if (base.mode !== part.mode) throw new Error(`--merge: a ${part.mode} run into a ${base.mode} one`);
  const fresh = new Map(part.scenarios.map((s) => [s.id, s]));
  const ids = [...fresh.keys()];
  const kept = base.scenarios.map((s) => fresh.get(s.id) ?? s);
  const added = part.scenarios.filter((s) => !base.scenarios.some((b) => b.id === s.id));
  const m = part.machine;
  const tag = (id: string): string => `Scenario \`${id}\` was measured separately`;
  const notice =
    `${ids.map(tag).join('; ')} (\`npm run bench -- --only ${ids.join(',')} --merge\`) on ` +
    `${part.started.slice(0, 10)} in ${Math.round(part.seconds)} s: trakx ${m.trakx}, node ${m.node}, ` +
    `load average ${m['load average at start']} at its start and ${m['load average at end']} at its end.`;
  // An older notice about a scenario measured again now no longer holds; of the new run's,
  // only those about its scenarios (the tools it lacked did not change the full run).
  const about = (n: string): boolean => ids.some((id) => n.includes(tag(id)) || n.includes(`[${id}]`));
  return {
    ...base,
    notices: [...base.notices.filter((n) => !about(n)), ...part.notices.filter(about), notice],
    scenarios: [...kept, ...added],
  };
}
