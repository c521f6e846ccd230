// Bundles the TypeScript sources into dist/ with esbuild.
// `--fast` sets TRAKX_FAST=true at compile time so the per-IP, seed and leech
// metrics are removed by dead-code elimination (see app/runtime/fast.ts). minifySyntax is what
// lets esbuild inline the imported FAST constant and drop the `if (!FAST)` branches;
// identifiers and layout stay readable.
import { build } from 'esbuild';

const fast = process.argv.includes('--fast');
const outdir = fast ? 'dist-fast' : 'dist';
const common = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  packages: 'external',
  minifySyntax: true,
  logLevel: 'warning',
};

const first = await build({
  ...common,
  entryPoints: { trakx: 'app/main.ts' },
  outdir,
  // The fast build is bundled twice (below): keep the map inline for the second pass.
  sourcemap: fast ? 'inline' : true,
  write: !fast,
  define: { TRAKX_FAST: fast ? 'true' : 'false' },
  banner: { js: '#!/usr/bin/env -S node --max-semi-space-size=8 --min-semi-space-size=8' },
});

if (fast) {
  // esbuild decides which declarations are used before it inlines FAST across modules,
  // so a class used only inside `if (!FAST)` (IpCounter) survives the first pass as
  // dead weight. Re-bundling the output tree-shakes it away; the source map is chained
  // back to the TypeScript sources.
  const js = first.outputFiles.find((f) => f.path.endsWith('.js'));
  await build({
    ...common,
    stdin: { contents: js.text, sourcefile: `${outdir}/trakx.first.js`, resolveDir: '.', loader: 'js' },
    outfile: `${outdir}/trakx.js`,
    sourcemap: true,
  });
}
