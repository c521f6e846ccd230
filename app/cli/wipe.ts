// `trakx wipe --yes`: delete the snapshot so the next start begins empty. Refused while
// the tracker runs (it would write a new snapshot on its next save or on stop anyway).
// Files moved aside as `.corrupt-*` are left alone.

import { unlinkSync } from 'node:fs';
import { removeStaleTemps } from '../persist/files.ts';
import { parseFlags, UsageError } from './args.ts';
import type { CommandContext } from './context.ts';
import { runningPid } from './pidfile.ts';

export function wipeCommand(ctx: CommandContext): number {
  const { values } = parseFlags(ctx.args, { yes: { type: 'boolean', short: 'y', default: false } });
  const config = ctx.config();
  const path = config.db.backup.path;
  if (path === '') {
    ctx.out('persistence is off (db.backup.path is empty): nothing to wipe\n');
    return 0;
  }
  if (!values.yes) throw new UsageError(`wipe deletes ${path}; run \`trakx wipe --yes\` to do it`);
  const pid = runningPid(config.path.pid);
  if (pid !== undefined) {
    ctx.err(`trakx is running (pid ${pid}); stop it first (it saves again when it stops)\n`);
    return 1;
  }
  removeStaleTemps(path);
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      ctx.out(`no snapshot at ${path}: nothing to wipe\n`);
      return 0;
    }
    ctx.err(`cannot delete ${path}: ${(err as Error).message}\n`);
    return 1;
  }
  ctx.out(`deleted ${path}\n`);
  return 0;
}
