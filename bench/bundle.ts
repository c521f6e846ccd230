// Bundles the bench's child processes (load generator, reference servers) into plain
// ESM JavaScript under node_modules/.cache, so each runs on bare `node` like dist/trakx.js —
// no TypeScript loader inside a measured process. npm packages stay external and
// resolve from the repository's node_modules.

import { join } from 'node:path';
import { build } from 'esbuild';

export const CHILDREN = [
  'udp-load',
  'http-autocannon',
  'servers/bare-dgram',
  'servers/bare-http',
  'servers/bare-fastify',
  'servers/bittorrent-tracker',
] as const;
export type Child = (typeof CHILDREN)[number];

/** The WebSocket bench's own (ws-bench.ts), bundled only when it runs. */
export const WS_CHILDREN = ['ws-load', 'servers/ws-trakx', 'servers/ws-bittorrent-tracker'] as const;

export async function bundleChildren<C extends string = Child>(
  benchDir: string,
  outDir: string,
  children: readonly C[] = CHILDREN as readonly string[] as readonly C[],
): Promise<Record<C, string>> {
  const entryPoints: Record<string, string> = {};
  for (const c of children) entryPoints[c] = join(benchDir, `${c}.ts`);
  await build({
    entryPoints,
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  const out = {} as Record<C, string>;
  for (const c of children) out[c] = join(outDir, `${c}.mjs`);
  return out;
}
