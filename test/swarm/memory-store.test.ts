// The conformance suite on the in-memory store: once with its normal starting sizes and
// once starting from one slot per table, so every growth, rehash and list-move path
// (torrent table, peer arenas, address counters, list pool) runs under the same checks.

import { MemoryStore } from '../../app/swarm/memory-store.ts';
import { runStoreConformance } from './conformance.ts';

runStoreConformance('MemoryStore', (limits) => new MemoryStore(limits));

runStoreConformance(
  'MemoryStore from capacity 1',
  (limits) => new MemoryStore({ ...limits, initialCapacity: 1 }),
);
