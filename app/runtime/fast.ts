// Compile-time switch of the `fast` build (npm run build:fast): esbuild replaces
// TRAKX_FAST with `true`, so every `if (!FAST)` branch that maintains the per-IP,
// seed and leech metrics is removed as dead code. Under tsx or the normal build it is false.

declare const TRAKX_FAST: boolean | undefined;

export const FAST: boolean = typeof TRAKX_FAST !== 'undefined' && TRAKX_FAST === true;
