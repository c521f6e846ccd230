// V8 flags every trakx launcher passes to node (npx's shebang in bin/trakx.js, npm start,
// `trakx start`, the Dockerfile, the benchmarks). They cannot be set from inside the
// process: V8 sizes its heap before any of our code runs.
//
// --max-semi-space-size=8: every request leaves a little garbage; smaller semi-spaces
// scavenge it too often, V8's default keeps larger ones resident for good.
// --min-semi-space-size=8: a fixed young generation, so RSS does not swing as V8 grows
// and shrinks it under load.

export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--min-semi-space-size=8'];
