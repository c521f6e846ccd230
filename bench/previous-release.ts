// The previous release (main before worker threads), built from git into the bench's
// work directory so `npm run bench` can run it beside the current build, alternating,
// on the same Node: the `workers: 1` path must not cost more CPU per announce than it did.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const PREVIOUS_RELEASE = '6c81209';

/** Its dist/trakx.js, or why it could not be built (no git history, say). */
export function buildPreviousRelease(repo: string, workDir: string): { script: string } | { error: string } {
  const dir = join(workDir, `trakx-${PREVIOUS_RELEASE}`);
  mkdirSync(dir, { recursive: true });
  const archive = spawnSync(
    'sh',
    ['-c', `git -C "$0" archive ${PREVIOUS_RELEASE} | tar -x -C "$1"`, repo, dir],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  if (archive.status !== 0) return { error: `git archive ${PREVIOUS_RELEASE} failed: ${archive.stderr}` };
  // Its build.mjs and bundle resolve esbuild and the npm packages from this checkout's.
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  const build = spawnSync(process.execPath, ['build.mjs'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const script = join(dir, 'dist/trakx.js');
  if (build.status !== 0 || !existsSync(script))
    return { error: `building ${PREVIOUS_RELEASE} failed: ${String(build.stderr).trim().slice(-300)}` };
  return { script };
}
