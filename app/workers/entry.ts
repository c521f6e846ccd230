// The file a worker thread starts from. Under tsx (tests, development) it is
// worker-entry.ts beside this one, loaded through the `--import tsx` a Worker inherits
// from the process's execArgv; in the esbuild bundle every module is one file, whose
// entry (app/main.ts) runs the worker when it finds itself off the main thread.

export function workerEntry(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./worker-entry.ts', here) : new URL(here);
}
