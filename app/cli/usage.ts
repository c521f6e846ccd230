// Help text and version.

export const VERSION = '0.1.0';

export const USAGE = `usage: trakx [--config FILE] <command> [options]

commands:
  run (execute)             run the tracker in the foreground (SIGUSR1 saves a snapshot)
  start [--wait SECS]       start it in the background (output to path.log, pid in path.pid)
  stop [--timeout SECS]     stop it (SIGTERM; it saves a snapshot), waiting up to 10 s
  restart                   stop, then start (takes both commands' options)
  status [--format json]    pid file, process and heartbeats; exit 0 only when running
  logs [-n LINES] [-f]      last lines of the log (default 100, 0 = all); -f follows it
  config dump [--format json]
                            the effective configuration (durations in seconds)
  config path               the configuration file in use
  config validate           check the configuration (exit 2 when invalid)
  backup export [--out FILE] [--timeout SECS]
                            a verified snapshot: saved on demand by a running tracker,
                            else the snapshot file (default --out: stdout)
  backup import FILE [--restart]
                            install a verified snapshot (FILE - reads stdin); refused while
                            the tracker runs unless --restart (stop, import, start)
  wipe --yes                delete the snapshot (refused while the tracker runs)
  version                   print the version
  help                      show this help

global option:
  --config FILE, -c FILE    configuration file (default ./trakx.yaml, then
                            ~/.config/trakx/trakx.yaml)

exit codes: 0 success (status: running), 1 failure (status: not running),
            2 bad command line or invalid configuration
`;
