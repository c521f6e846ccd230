// The conformance suite on a store that answers later (test/helpers/later-store.ts):
// the contract holds when every request operation settles in a later turn.

import { LaterStore } from '../helpers/later-store.ts';
import { runStoreConformance } from './conformance.ts';

runStoreConformance('LaterStore', (limits) => new LaterStore(limits));
