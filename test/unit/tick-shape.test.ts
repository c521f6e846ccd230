// keepTickShape holds one nextTick entry, so that V8 keeps the entries' map across
// full collections (see app/runtime/tick-shape.ts). V8's own %HaveSameMap tells
// whether a tick queued after two full collections still has the kept entry's map.

import assert from 'node:assert/strict';
import { executionAsyncResource } from 'node:async_hooks';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { keepTickShape } from '../../app/runtime/tick-shape.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

function tickEntry(): Promise<object> {
  return new Promise((resolve) => process.nextTick(() => resolve(executionAsyncResource())));
}

test('the kept entry is a nextTick entry, one per process', async () => {
  const kept = await keepTickShape();
  assert.equal(typeof (kept as { callback?: unknown }).callback, 'function');
  const symbols = Object.getOwnPropertySymbols(kept).map((s) => s.description);
  assert.ok(
    symbols.includes('async_id_symbol') && symbols.includes('trigger_async_id_symbol'),
    String(symbols),
  );
  assert.equal(await keepTickShape(), kept);
});

test('ticks queued after full collections keep the kept entry’s map', async () => {
  assert.equal(haveSameMap({ a: 1 }, { b: 1 }), false, 'the map probe tells maps apart');
  const kept = await keepTickShape();
  assert.ok(haveSameMap(kept, await tickEntry()), 'before any collection');
  gc();
  gc();
  assert.ok(haveSameMap(kept, await tickEntry()), 'after two full collections');
});
