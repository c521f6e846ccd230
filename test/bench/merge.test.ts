// `--merge`: scenarios measured on their own replace that scenario in the last full run's
// results (new ones are added), the rest stay, and a notice says when and under what load.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeRuns } from '../../bench/merge.ts';
import type { Report, ScenarioOutcome } from '../../bench/report.ts';

function scenario(id: string, seconds: number): ScenarioOutcome {
  return { id, title: id, conditions: '', metrics: [], ratioKeys: [], references: [], targets: [], seconds };
}

function report(mode: Report['mode'], started: string, scenarios: ScenarioOutcome[]): Report {
  const machine = {
    trakx: 'abc1234',
    node: 'v24.22.3',
    'load average at start': '1.00 1.00 1.00',
    'load average at end': '2.00 2.00 2.00',
  };
  return { started, seconds: 90, mode, machine, notices: [], scenarios };
}

test('a partial run replaces its scenarios in place, adds new ones and says so', () => {
  const base = report('full', '2026-12-03T00:00:00.000Z', [scenario('udp-10k', 1), scenario('http', 1)]);
  base.machine.trakx = 'old0000';
  base.notices = ['[udp-10k] trakx run 2/3 was repeated: the machine stalled (…).'];
  const part = report('full', '2026-12-04T09:00:00.000Z', [scenario('http', 2), scenario('redis-mode', 3)]);
  part.notices = [
    'wrk is not installed (Debian package `wrk`): HTTP load used autocannon instead.',
    '[redis-mode] trakx run 1/3 was repeated: the machine stalled (…).',
  ];
  const merged = mergeRuns(base, part);
  assert.deepEqual(
    merged.scenarios.map((s) => [s.id, s.seconds]),
    [
      ['udp-10k', 1],
      ['http', 2],
      ['redis-mode', 3],
    ],
  );
  assert.equal(merged.started, base.started);
  assert.equal(merged.machine.trakx, 'old0000', "the full run's machine table stays");
  // The base run's own notice stays; of the new run's, only the one about its scenarios.
  assert.deepEqual(merged.notices.slice(0, 2), [base.notices[0], part.notices[1]]);
  assert.equal(merged.notices.length, 3);
  const said = merged.notices[2];
  assert.match(said, /`http` was measured separately.*`redis-mode` was measured separately/);
  assert.match(said, /on 2026-12-04 .*trakx abc1234, node v24\.22\.3, load average 1\.00 1\.00 1\.00/);
  // Measured again: the older notices about it give way to the new one.
  const again = mergeRuns(merged, report('full', '2026-12-05T09:00:00.000Z', [scenario('redis-mode', 4)]));
  assert.deepEqual(again.notices.slice(0, 1), base.notices);
  assert.equal(again.notices.filter((n) => n.includes('redis-mode')).length, 1);
  assert.match(again.notices.at(-1)!, /2026-12-05/);
});

test('a quick run is never merged into a full one', () => {
  const base = report('full', '2026-12-03T00:00:00.000Z', [scenario('udp-10k', 1)]);
  assert.throws(
    () => mergeRuns(base, report('quick', '2026-12-04T00:00:00.000Z', [])),
    /quick run into a full/,
  );
});
