// Bundles the TypeScript sources into dist/ with esbuild.
// `--fast` sets TRAKX_FAST=true at compile time so the per-IP, seed and leech
// metrics are removed by dead-code elimination (see app/metrics/fast.ts).
import { build } from 'esbuild';

const fast = process.argv.includes('--fast');
await build({
  entryPoints: { trakx: 'app/main.ts' },
  outdir: fast ? 'dist-fast' : 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  packages: 'external',
  define: { TRAKX_FAST: fast ? 'true' : 'false' },
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
