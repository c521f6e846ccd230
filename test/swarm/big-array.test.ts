// Replaced big tables go back to the system promptly: retire() of a few MB of mapped
// tables runs one full collection right after, small or heap tables never do.

import assert from 'node:assert/strict';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { grown, i32, retire, u8 } from '../../app/swarm/big-array.ts';

/** Full (mark-compact) collections seen while `body` and the following `ms` run. */
async function majorGcs(body: () => void, ms: number): Promise<number> {
  let n = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as unknown as { detail?: { kind?: number } }).detail;
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) n++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  body();
  await sleep(ms);
  obs.disconnect();
  return n;
}

test('retiring 4 MB of mapped tables runs a full collection soon after', async () => {
  const n = await majorGcs(() => {
    const a = i32(1 << 20); // 4 MiB
    a.fill(7);
    retire(a);
  }, 300);
  assert.ok(n >= 1, `expected a full collection, saw ${n}`);
});

test('grown() retires the table it replaces', async () => {
  const n = await majorGcs(() => {
    let a = u8(3 << 20);
    a[0] = 1;
    a = grown(a, 5 << 20);
    a = grown(a, 7 << 20);
    assert.equal(a[0], 1);
    assert.equal(a.length, 7 << 20);
  }, 300);
  assert.ok(n >= 1, `expected a full collection, saw ${n}`);
});

test('small heap arrays, and a table retired twice, do not count', async () => {
  const n = await majorGcs(() => {
    for (let i = 0; i < 20; i++) retire(i32(4096)); // 16 KiB each: on the heap, not mapped
    const a = i32(1 << 19); // 2 MiB mapped
    retire(a);
    retire(a);
  }, 300);
  assert.equal(n, 0);
});
