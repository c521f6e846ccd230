// A worker thread's entry under tsx (see entry.ts).

import { runWorker } from './worker-main.ts';

runWorker();
