// Keeps the hidden class of Node's nextTick entries alive for the life of the process.
//
// process.nextTick queues each callback as an object literal with computed symbol keys
// ({[async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args}; Node 24 adds
// the async context frame as a third symbol key). Node's streams call it a few times per
// HTTP reply. V8 holds the map transitions such a literal walks
// only weakly, and tick objects live for microseconds, so a full collection that runs
// while none is queued can free those maps. In our profiles the literal then never
// settled again: every nextTick went through V8's runtime for the rest of the process
// (Runtime_DefineKeyedOwnPropertyInLiteral, MigrateToMap, TransitionToDataProperty …),
// ~2.5 µs per keep-alive HTTP request, about an eighth of an announce. Whether it
// happened depended on when the first full collection ran: a tracker started from a
// snapshot usually escaped it, one filled by its first announces did not. One live tick
// object keeps its map, and through it the chain.

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
