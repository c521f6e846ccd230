// The commented trakx.yaml written to ~/.config/trakx/ on first run. It restates the
// schema's defaults (a test keeps the two equal) so an operator can edit one file.

export const DEFAULT_YAML = `# trakx configuration.
# Every key can be overridden by an environment variable: TRAKX_ + the key path
# upper-cased with dots as underscores, e.g. TRAKX_HTTP_PORT=80, TRAKX_LOGLEVEL=debug.
# Durations accept 90s, 30m, 1h (or a bare number of seconds).

# trace, debug, info, warn, error, fatal or silent
loglevel: info

# worker threads serving the tracker ports, all sharing one swarm store;
# 0 = one per core, 1 = a single thread (no worker thread)
workers: 0

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
  # auto: many datagrams per system call when the native module is built, else node:dgram
  io: auto
  connections:
    # lifetime of a UDP connection id
    expiry: 6m
    # shared key of the connection ids, 32 hex characters in quotes (openssl rand -hex 16),
    # for several instances behind one name; empty = random per process
    secret: ""

# WebSocket tracker (WebTorrent) at ws://host:<http.port>/announce; needs http.enabled
ws:
  enabled: true
  # most open connections (503 beyond), and per IPv4 address or IPv6 /64 (429; 0 = no cap)
  maxConnections: 10000
  maxConnectionsPerIp: 16
  # largest message in bytes, and most WebRTC offers in one announce
  maxMessageBytes: 65536
  maxOffers: 10
  # most torrents one connection may announce in
  maxTorrentsPerConnection: 100
  # a connection silent this long (no message, no pong) is closed
  idleTimeout: 1m
  # bytes queued to one slow reader before it is closed
  maxBufferedBytes: 1048576

numwant:
  # peers returned when the client does not ask for a number
  default: 50
  # most peers ever returned
  limit: 200

scrape:
  # most info_hashes in one HTTP scrape
  maxHashes: 100

# abuse limits; see "Running in public" in the README for recommended public values
limits:
  # peers one IPv4 address or IPv6 /64 may have in one torrent; 0 = no cap (public: 16)
  peersPerIp: 0
  # announces per second per IPv4 address or IPv6 /64, HTTP and UDP; 0 = off (public: 10)
  announceRate: 0
  # announces allowed at once; 0 = twice announceRate (public: 100)
  announceBurst: 0
  # addresses the rate limiter remembers (about 25 bytes each)
  rateTableSize: 65536
  # largest HTTP request line + headers in bytes
  maxHeaderSize: 16384
  # time to send a whole HTTP request; idle keep-alive connections are closed after idleTimeout
  requestTimeout: 10s
  idleTimeout: 30s
  # most concurrent HTTP connections; 0 = no cap
  maxConnections: 10000
  # files of hex info_hashes (one per line, # comments): refused (deny) or the only ones
  # tracked (allow); "" = off. Reloaded on SIGHUP and when the file changes.
  denylist: ""
  allowlist: ""
  # how often the list files are checked for changes; 0 = SIGHUP only
  listPoll: 5s

db:
  # where swarms live: memory (this process) or redis (shared by every instance
  # pointed at the same Redis or Valkey; see "Sharing swarms through Redis")
  type: memory
  redis:
    # redis://[user:password@]host[:port][/db], rediss://… (TLS), unix:///path?db=N
    url: redis://127.0.0.1:6379
    # Redis Cluster: url names one node (redis:// or rediss://, db 0), the rest are found
    cluster: false
    # start of every key; no { or }
    prefix: "trakx:"
    # longest wait for a reply; then the client gets a failure with "retry in"
    timeout: 2s
    # most requests waiting for Redis; beyond it requests fail at once
    maxInFlight: 16384
    # PEM files for rediss://; "" = system CAs, no client certificate
    tlsCa: ""
    tlsCert: ""
    tlsKey: ""
  # peer lifetime without a re-announce; 0 = announce.base + announce.fuzz + 5m
  expiry: 0
  # how often expired peers are swept
  trim: 1m
  # per torrent and address family; the stalest peer is evicted beyond it
  maxPeersPerTorrent: 50000
  # torrents kept, count-only records (kept for their downloaded count) included;
  # when full the longest-idle of those gives way, else new torrents are refused
  maxTorrents: 2000000
  backup:
    # periodic snapshot to disk; 0 turns it off
    interval: 5m
    # snapshot file, also saved on stop and on SIGUSR1; "" turns persistence off
    path: ~/.cache/trakx/trakx.db

# peer events (db.type redis): every announce appended to a Redis Stream
events:
  # stream key; "" = off
  stream: ""
  # about how many events the stream keeps (XADD MAXLEN ~)
  maxLen: 100000

metrics:
  # count requests and serve /metrics (Prometheus) and /stats (expvar JSON for netdata)
  enabled: true
  # 0 serves them on the HTTP tracker port; any other port serves them only there,
  # on metrics.ip, so they need not be public
  ip: 127.0.0.1
  port: 0
  # request-duration histogram (one clock read per request)
  histogram: true

path:
  pid: ~/.cache/trakx/trakx.pid
  log: ~/.cache/trakx/trakx.log
`;
