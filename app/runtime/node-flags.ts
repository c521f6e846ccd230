// V8 flags every trakx launcher passes to node (npx's shebang in bin/trakx.js, npm start,
// `trakx start`, the Dockerfile, the benchmarks). They cannot be set from inside the
// process: V8 sizes its heap before any of our code runs.
//
// --max-semi-space-size=8: each UDP datagram and HTTP request leaves a little garbage,
// and the semi-space size sets how often V8 stops to scavenge it. V8's default lets the
// young generation grow to 16 MiB semi-spaces, resident for good (+20-30 B of RSS per
// peer at 1M peers); 1 MiB ones kept memory lowest but scavenged 8 times as often,
// which cost HTTP announces ~15-25 % of their rate and UDP ~5 %. 8 MiB measured (1M
// peers over 100k torrents): 56 -> 62 B/peer against 1 MiB, HTTP keep-alive after a
// UDP preload 0.64x -> 0.72x bare Fastify (medians of 5 alternated runs).
//
// --min-semi-space-size=8: the young generation starts at that size and stays there.
// Left to V8, it starts small, grows under load and shrinks again at some full
// collections, and each resize moved RSS by ~10-15 MiB: the soak's RSS swung ±5.5 %
// over 10 minutes at 10k announces/s. With both bounds at 8 the 5-minute soak stayed
// within ±0.5 % after warm-up (against ±2.8 % beside it), the bench's 10-minute soak
// ±1.1 % and ±0.9 % (two full runs); RSS with 1M peers loaded is
// the same (142 MiB), and the fresh process holds a few MiB more of it from the start.

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--min-semi-space-size=8'];
