// Process entry point (bundled to dist/trakx.js). The bundle is also what worker threads
// start from (app/workers/entry.ts): off the main thread it serves as a worker instead.

import { isMainThread, workerData } from 'node:worker_threads';
import { main } from './cli/main.ts';
import { runWorker } from './workers/worker-main.ts';

if (!isMainThread && (workerData as { trakxWorker?: boolean } | null)?.trakxWorker === true) {
  runWorker();
} else {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`trakx: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
