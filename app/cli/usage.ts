// Help text and version.

export const VERSION = '0.1.0';

export const USAGE = `usage: trakx [--config FILE] <command>

commands:
  run (execute)   run the tracker in the foreground
  version         print the version
  help            show this help
`;
