// Command-line shape: `trakx [--config FILE] <command> [args…]`. Only the global
// `--config` is taken here (anywhere on the line); each command parses the rest with
// node:util parseArgs.

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
    const a = argv[i]!;
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
