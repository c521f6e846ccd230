// `trakx logs [-n N] [-f]`: the last lines of `path.log` (100 by default, `-n 0` for the
// whole file) and, with -f, everything appended after, until Ctrl-C. A log truncated or
// replaced (rotation) while following is read again from its start.

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseFlags, UsageError } from './args.ts';
import type { CommandContext } from './context.ts';

const BLOCK = 64 * 1024;

/** The last `n` lines of a file (all of it when n is 0), read backwards in blocks. */
export function tailLines(path: string, n: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    if (n === 0) return readRange(fd, 0, size);
    const buf = Buffer.allocUnsafe(BLOCK);
    let pos = size;
    let count = 0;
    while (pos > 0) {
      const len = Math.min(BLOCK, pos);
      pos -= len;
      readSync(fd, buf, 0, len, pos);
      for (let i = len - 1; i >= 0; i--) {
        // The newline that ends the last line does not start another one.
        if (buf[i] !== 0x0a || pos + i === size - 1) continue;
        if (++count === n) return readRange(fd, pos + i + 1, size);
      }
    }
    return readRange(fd, 0, size);
  } finally {
    closeSync(fd);
  }
}

function readRange(fd: number, from: number, to: number): string {
  const out = Buffer.allocUnsafe(to - from);
  let done = 0;
  while (done < out.length) {
    const got = readSync(fd, out, done, out.length - done, from + done);
    if (got === 0) break;
    done += got;
  }
  return out.subarray(0, done).toString('utf8');
}

export async function logsCommand(ctx: CommandContext): Promise<number> {
  const { values } = parseFlags(ctx.args, {
    follow: { type: 'boolean', short: 'f', default: false },
    lines: { type: 'string', short: 'n', default: '100' },
  });
  if (!/^\d+$/.test(values.lines)) throw new UsageError(`--lines needs a number, got ${values.lines}`);
  const path = ctx.config().path.log;
  let size: number;
  let ino: number;
  try {
    const st = statSync(path);
    size = st.size;
    ino = st.ino;
  } catch {
    ctx.err(`no log file at ${path} (it is written by \`trakx start\`)\n`);
    return 1;
  }
  ctx.out(tailLines(path, Number(values.lines)));
  if (!values.follow) return 0;

  let stopped = false;
  const onSignal = () => {
    stopped = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (!stopped) {
      await sleep(250);
      let st: { size: number; ino: number };
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (st.ino !== ino || st.size < size) {
        ino = st.ino;
        size = 0;
      }
      if (st.size > size) {
        const fd = openSync(path, 'r');
        try {
          ctx.out(readRange(fd, size, st.size));
        } finally {
          closeSync(fd);
        }
        size = st.size;
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
