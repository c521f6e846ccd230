// The commented trakx.yaml written to ~/.config/trakx/ on first run. It restates the
// schema's defaults (a test keeps the two equal) so an operator can edit one file.

export const DEFAULT_YAML = `# trakx configuration.
# Every key can be overridden by an environment variable: TRAKX_ + the key path
# upper-cased with dots as underscores, e.g. TRAKX_HTTP_PORT=80, TRAKX_LOGLEVEL=debug.
# Durations accept 90s, 30m, 1h (or a bare number of seconds).

# trace, debug, info, warn, error, fatal or silent
loglevel: info

announce:
  # interval sent to clients = base + random[0, fuzz)
  base: 30m
  fuzz: 5m
  # "min interval": clients must not re-announce sooner
  min: 15m

http:
  enabled: true
  # "::" listens on every interface, IPv4 and IPv6
  ip: "::"
  port: 1337
  # reverse proxies (addresses or CIDRs) whose X-Forwarded-For is believed
  trustProxy: []

udp:
  enabled: true
  ip: "::"
  port: 1337
  # socket buffers in bytes; small buffers drop packets during GC pauses
  bufferSize: 4194304
  connections:
    # lifetime of a UDP connection id
    expiry: 6m

numwant:
  # peers returned when the client does not ask for a number
  default: 50
  # most peers ever returned
  limit: 200

scrape:
  # most info_hashes in one HTTP scrape
  maxHashes: 100

db:
  # peer lifetime without a re-announce; 0 = announce.base + announce.fuzz + 5m
  expiry: 0
  # how often expired peers are swept
  trim: 1m
  # per torrent and address family; the stalest peer is evicted beyond it
  maxPeersPerTorrent: 50000
  # announces for new torrents beyond this get a failure reason
  maxTorrents: 2000000
  backup:
    # periodic snapshot to disk; 0 turns it off
    interval: 5m
    path: ~/.cache/trakx/trakx.db

path:
  pid: ~/.cache/trakx/trakx.pid
  log: ~/.cache/trakx/trakx.log
`;
