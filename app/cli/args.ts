// Command-line shape: `trakx [--config FILE] <command> [args…]`. Only the global
// `--config` is taken here (anywhere on the line); each command parses the rest with
// node:util parseArgs.

import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseDuration } from '../config/duration.ts';

export class UsageError extends Error {}

export interface Invocation {
  command: string;
  args: string[];
  configPath: string | undefined;
}

export function parseInvocation(argv: readonly string[]): Invocation {
  const rest: string[] = [];
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a === '-c') {
      const file = argv[++i];
      if (file === undefined || file === '') throw new UsageError(`${a} needs a file`);
      configPath = file;
    } else if (a.startsWith('--config=')) {
      configPath = a.slice('--config='.length);
      if (configPath === '') throw new UsageError('--config needs a file');
    } else {
      rest.push(a);
    }
  }
  let command = rest.shift() ?? 'help';
  if (command === '--help' || command === '-h') command = 'help';
  return { command, args: rest, configPath };
}

type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * A command's own flags with node:util parseArgs (strict). Unknown flags, missing values
 * and more than `maxPositionals` positional arguments become a UsageError (exit 2).
 */
export function parseFlags<const O extends FlagOptions>(args: string[], options: O, maxPositionals = 0) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length > maxPositionals)
    throw new UsageError(`unexpected argument: ${parsed.positionals[maxPositionals]}`);
  return parsed;
}

/** A positive number of seconds from a flag such as `--timeout 10` or `--timeout 30s`. */
export function parseSeconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = parseDuration(value);
  if (seconds === undefined || !(seconds > 0))
    throw new UsageError(`${flag} needs a positive duration such as 10 or 30s, got ${value}`);
  return seconds;
}
