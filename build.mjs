// Bundles the TypeScript sources into dist/ with esbuild.
// `--fast` sets TRAKX_FAST=true at compile time so the per-IP, seed and leech
// metrics are removed by dead-code elimination (see app/runtime/fast.ts). minifySyntax is what
// lets esbuild inline the imported FAST constant and drop the `if (!FAST)` branches;
// identifiers and layout stay readable.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

buildNative(outdir);

/**
 * native/udp-batch.c into <outdir>/udp-batch.node (app/runtime/udp-batch.ts). A Node-API
 * module needs only the headers that ship with Node (its include/node) and a C compiler;
 * it is not linked against node. Without a compiler, or off Linux, trakx uses node:dgram.
 */
function buildNative(dir) {
  const src = 'native/udp-batch.c';
  const out = join(dir, 'udp-batch.node');
  if (process.platform !== 'linux' || !existsSync(src)) return;
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return;
  const include = join(dirname(dirname(process.execPath)), 'include', 'node');
  if (!existsSync(join(include, 'node_api.h'))) {
    console.warn(`build: ${include} has no node_api.h; UDP uses node:dgram`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  const cc = process.env.CC || 'cc';
  const r = spawnSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', '-I', include, '-o', out, src], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    const reason = r.error ? `${cc} not found` : r.stderr.trim().split('\n').slice(0, 5).join('\n');
    console.warn(`build: ${src} not compiled (${reason}); UDP uses node:dgram`);
  }
}
