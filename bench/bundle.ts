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
  'ws-load',
  'servers/ws-trakx',
  'servers/ws-bittorrent-tracker',
] as const;
export type Child = (typeof CHILDREN)[number];

export async function bundleChildren(benchDir: string, outDir: string): Promise<Record<Child, string>> {
  const entryPoints: Record<string, string> = {};
  for (const c of CHILDREN) entryPoints[c] = join(benchDir, `${c}.ts`);
  await build({
    entryPoints,
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  const out = {} as Record<Child, string>;
  for (const c of CHILDREN) out[c] = join(outDir, `${c}.mjs`);
  return out;
}
