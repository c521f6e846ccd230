// `trakx config dump|path|validate`.
// dump: the effective configuration (defaults, file, environment merged; durations in
// seconds, `~` expanded, secrets redacted) as YAML, or JSON with --format json.
// path: the YAML file in use. validate: load it; an invalid value is reported by the
// loader and exits 2 like every configuration error; unknown TRAKX_* variables are
// warned about on stderr.

import { stringify } from 'yaml';
import { redactSecrets } from '../config/redact.ts';
import { unknownSettingMessage } from '../config/unknown-env.ts';
import { parseFlags, UsageError } from './args.ts';
import type { CommandContext } from './context.ts';

export function configCommand(ctx: CommandContext): number {
  const [sub, ...rest] = ctx.args;
  switch (sub) {
    case 'dump': {
      const { values } = parseFlags(rest, { format: { type: 'string', default: 'yaml' } });
      if (values.format !== 'yaml' && values.format !== 'json')
        throw new UsageError(`--format must be yaml or json, got ${values.format}`);
      const config = redactSecrets(ctx.config());
      ctx.out(
        values.format === 'json'
          ? `${JSON.stringify(config, null, 2)}\n`
          : `# effective trakx configuration (durations in seconds)\n${stringify(config)}`,
      );
      return 0;
    }
    case 'path': {
      parseFlags(rest, {});
      const file = ctx.configFile();
      if (file === undefined) {
        ctx.err('no configuration file: the embedded defaults apply\n');
        return 1;
      }
      ctx.out(`${file}\n`);
      return 0;
    }
    case 'validate': {
      parseFlags(rest, {});
      ctx.config();
      for (const u of ctx.unknownEnv()) ctx.err(`warning: ${unknownSettingMessage(u)}\n`);
      ctx.out(`configuration ok (${ctx.configFile() ?? 'embedded defaults'})\n`);
      return 0;
    }
    case undefined:
      throw new UsageError('config needs a subcommand: dump, path or validate');
    default:
      throw new UsageError(`unknown config subcommand: ${sub}`);
  }
}
