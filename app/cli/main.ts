// The `trakx` controller: dispatches commands. Exit codes: 0 success, 1 failure,
// 2 usage or configuration error.

import { ConfigError, loadConfig } from '../config/load.ts';
import { parseInvocation, UsageError } from './args.ts';
import { runForeground } from './run.ts';
import { USAGE, VERSION } from './usage.ts';

export async function main(argv: string[]): Promise<number> {
  let inv: ReturnType<typeof parseInvocation>;
  try {
    inv = parseInvocation(argv);
  } catch (err) {
    process.stderr.write(`trakx: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    switch (inv.command) {
      case 'run':
      case 'execute': {
        const { config, file } = loadConfig({ configPath: inv.configPath });
        return await runForeground(config, file);
      }
      case 'version':
        process.stdout.write(`trakx ${VERSION}\n`);
        return 0;
      case 'help':
        process.stdout.write(USAGE);
        return 0;
      default:
        process.stderr.write(`trakx: unknown command: ${inv.command}\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UsageError) {
      process.stderr.write(`trakx: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
