// The `trakx` controller: dispatches commands. Exit codes: 0 success, 1 failure,
// 2 usage or configuration error.

import { ConfigError } from '../config/load.ts';
import { parseInvocation, UsageError } from './args.ts';
import { backupCommand } from './backup.ts';
import { configCommand } from './config-command.ts';
import { type CommandContext, createContext, type Output, STDIO } from './context.ts';
import { restartCommand, startCommand, stopCommand } from './daemon.ts';
import { logsCommand } from './logs.ts';
import { runForeground } from './run.ts';
import { statusCommand } from './status.ts';
import { USAGE, VERSION } from './usage.ts';
import { wipeCommand } from './wipe.ts';

const COMMANDS: Record<string, (ctx: CommandContext) => number | Promise<number>> = {
  run: runCommand,
  execute: runCommand,
  start: startCommand,
  stop: stopCommand,
  restart: restartCommand,
  reboot: restartCommand,
  status: statusCommand,
  logs: logsCommand,
  config: configCommand,
  backup: backupCommand,
  wipe: wipeCommand,
  version: (ctx) => {
    ctx.out(`trakx ${VERSION}\n`);
    return 0;
  },
  help: (ctx) => {
    ctx.out(USAGE);
    return 0;
  },
};

function runCommand(ctx: CommandContext): Promise<number> {
  if (ctx.args.length > 0) throw new UsageError(`unexpected argument: ${ctx.args[0]}`);
  return runForeground(ctx.config(), ctx.configFile(), ctx.unknownEnv());
}

export async function main(argv: string[], io: Output = STDIO): Promise<number> {
  let inv: ReturnType<typeof parseInvocation>;
  try {
    inv = parseInvocation(argv);
  } catch (err) {
    io.err(`trakx: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const ctx = createContext(inv.args, inv.configPath, io);
  const command = Object.hasOwn(COMMANDS, inv.command) ? COMMANDS[inv.command] : undefined;
  if (!command) {
    ctx.err(`trakx: unknown command: ${inv.command}\n${USAGE}`);
    return 2;
  }
  if (inv.args.includes('--help') || inv.args.includes('-h')) {
    ctx.out(USAGE);
    return 0;
  }
  try {
    return await command(ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.err(`trakx: ${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      ctx.err(`trakx: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
