// Keeps the hidden class of Node's nextTick entries alive for the life of the process.
//
// V8 holds the map transitions of nextTick's entry literal only weakly; a full
// collection while no tick is queued can free them, after which every nextTick (a few
// per HTTP reply) takes V8's slow runtime path for good. One live entry keeps them.

import { executionAsyncResource } from 'node:async_hooks';

let kept: Promise<object> | undefined;

/**
 * Keep one nextTick entry alive from the next tick on (idempotent). Resolves with it:
 * inside a nextTick callback the execution resource is the callback's own entry.
 */
export function keepTickShape(): Promise<object> {
  kept ??= new Promise((resolve) => process.nextTick(() => resolve(executionAsyncResource())));
  return kept;
}
