// What every command gets: its own arguments, the configuration (loaded on first use, so
// `help` and `version` work with a broken config) and where to write.

import { type LoadedConfig, loadConfig } from '../config/load.ts';
import type { Config } from '../config/types.ts';
import type { UnknownSetting } from '../config/unknown-env.ts';

export interface CommandContext {
  /** Arguments after the command name, `--config` removed. */
  args: string[];
  /** `--config FILE` as given, if any. */
  configPath: string | undefined;
  config(): Config;
  /** The YAML file the configuration came from, if any. */
  configFile(): string | undefined;
  /** TRAKX_* environment variables that name no configuration key. */
  unknownEnv(): UnknownSetting[];
  out(text: string): void;
  err(text: string): void;
}

/** Where command output goes (tests pass their own). */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

export const STDIO: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export function createContext(
  args: string[],
  configPath: string | undefined,
  io: Output = STDIO,
): CommandContext {
  let loaded: LoadedConfig | undefined;
  const load = () => {
    loaded ??= loadConfig({ configPath });
    return loaded;
  };
  return {
    args,
    configPath,
    config: () => load().config,
    configFile: () => load().file,
    unknownEnv: () => load().unknownEnv,
    out: (text) => io.out(text),
    err: (text) => io.err(text),
  };
}
