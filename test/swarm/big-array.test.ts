// Big tables grow in place: a mapped table's memory is grown, never copied, so growing
// leaves no old copy for the collector and the new part stays untouched (not resident)
// until written. Small tables live on the heap and are copied.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { grown, i32, u8 } from '../../app/swarm/big-array.ts';

function rssKiB(): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
}

test('a mapped table grows in place: contents kept, the rest zero, the old view detached', () => {
  const a = i32(1 << 18); // 1 MiB: mapped
  a.fill(-1);
  const b = grown(a, 3 << 18);
  assert.equal(a.length, 0, 'the old view is detached, so the memory was grown, not copied');
  assert.equal(b.length, 3 << 18);
  assert.equal(b[0], -1);
  assert.equal(b[(1 << 18) - 1], -1);
  assert.equal(b[1 << 18], 0);
  assert.equal(b[(3 << 18) - 1], 0);
});

test('growing past a shorter view of the same memory zeroes what the longer one left', () => {
  const a = i32(1 << 17);
  a.fill(9);
  const short = grown(a, 100); // the first 100 elements of the same memory
  assert.equal(short.length, 100);
  assert.equal(short[99], 9);
  const long = grown(short, 1 << 17);
  assert.equal(long[99], 9);
  assert.equal(long[100], 0);
  assert.equal(long[(1 << 17) - 1], 0);
});

test('a small heap table is copied into a bigger one (mapped once large enough)', () => {
  const a = u8(1000);
  a[999] = 5;
  const b = grown(a, 200_000);
  assert.equal(a.length, 1000, 'a heap array is left as it was');
  assert.equal(a[999], 5);
  assert.equal(b[999], 5);
  assert.equal(b[1000], 0);
  const c = grown(b, 400_000);
  assert.equal(b.length, 0, 'the copy landed in mapped memory, which grows in place');
  assert.equal(c[999], 5);
});

test('grown capacity costs no resident memory until it is written', () => {
  let a = u8(1 << 20);
  a.fill(1);
  const before = rssKiB();
  a = grown(a, 256 << 20); // +255 MiB of capacity
  const after = rssKiB();
  assert.equal(a[(1 << 20) - 1], 1);
  assert.ok(after - before < 16 << 10, `RSS grew by ${after - before} KiB for untouched capacity`);
  // The probe itself works: writing makes the capacity resident. The process can hand
  // other memory back meanwhile (earlier tests' tables freed by the collector: two
  // clean-clone CI runs saw a 32 MiB write show as less than 30 MiB), so the write is far
  // larger than anything it could hand back, and the check asks for most of it.
  const mid = rssKiB();
  a.fill(2, 0, 128 << 20);
  const grewBy = rssKiB() - mid;
  assert.ok(grewBy >= 100 << 10, `writing 128 MiB made ${grewBy} KiB resident (the probe works)`);
});
