// V8 flags every trakx launcher passes to node (npx's shebang in bin/trakx.js, npm start,
// `trakx start`, the Dockerfile, the benchmarks). They cannot be set from inside the
// process: V8 sizes its heap before any of our code runs.
//
// --max-semi-space-size=1: each UDP datagram and HTTP request leaves a little garbage;
// at 100k packets/s V8 grows the young generation to its 16 MiB semi-spaces, which
// stay resident (~30 MiB, measured +30 B/peer at 1M peers). 1 MiB semi-spaces keep it
// small, and with almost nothing surviving a scavenge they are also faster (measured
// 1.6 s vs 2.6 s for 3M short-lived allocations).

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
