// The one JSON schema of trakx's configuration. Every leaf carries its default and a
// description; the README's key table, the environment names and the validation all
// come from here, so a key exists in exactly one place.
//
// `duration: true` marks values given as `90s`, `30m`, `1h` (or bare seconds); the
// loader's Ajv keyword turns them into a number of seconds before range checks run.
// `hexSecret: N` marks a key that is empty or N bytes in hex and is kept out of every
// dump and error message.

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    loglevel: {
      type: 'string',
      enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      default: 'info',
      description: 'Log level.',
    },
    workers: {
      type: 'integer',
      minimum: 0,
      maximum: 256,
      default: 0,
      description:
        'Worker threads serving the tracker ports (`reusePort`), all sharing one swarm store; 0 = one per core (`os.availableParallelism()`), 1 = a single thread (no worker thread).',
    },
    announce: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        base: {
          type: ['string', 'number'],
          duration: true,
          minimum: 60,
          default: '30m',
          description: 'Base announce interval.',
        },
        fuzz: {
          type: ['string', 'number'],
          duration: true,
          minimum: 0,
          default: '5m',
          description: 'Random extra added to each interval, in [0, fuzz), spreading re-announces.',
        },
        min: {
          type: ['string', 'number'],
          duration: true,
          minimum: 0,
          default: '15m',
          description: '`min interval` sent to clients: they must not re-announce sooner.',
        },
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Serve the HTTP tracker.' },
        ip: {
          type: 'string',
          default: '::',
          description: 'Address to listen on; `::` is every interface of both families.',
        },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 1337, description: 'HTTP port.' },
        trustProxy: {
          type: 'array',
          items: { type: 'string' },
          default: [],
          description:
            'Addresses or CIDRs of reverse proxies whose `X-Forwarded-For` is believed (comma-separated in the environment).',
        },
      },
    },
    udp: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Serve the UDP tracker (BEP 15).' },
        ip: {
          type: 'string',
          default: '::',
          description: 'Address to listen on; `::` serves IPv4 and IPv6 on one dual-stack socket.',
        },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 1337, description: 'UDP port.' },
        bufferSize: {
          type: 'integer',
          minimum: 65536,
          default: 4194304,
          description:
            'Socket receive and send buffer size in bytes (the kernel may cap it: net.core.rmem_max).',
        },
        io: {
          type: 'string',
          enum: ['auto', 'batch', 'dgram'],
          default: 'auto',
          description:
            'How datagrams are read and sent: `batch` (many per system call, with the native module `npm run build` compiles on Linux), `dgram` (node:dgram, one at a time), `auto` = `batch` when the module is there.',
        },
        connections: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            expiry: {
              type: ['string', 'number'],
              duration: true,
              minimum: 60,
              maximum: 86400,
              default: '6m',
              description:
                'How long a connection id stays valid (clients such as uTorrent reuse one ~5 min).',
            },
            secret: {
              type: 'string',
              hexSecret: 16,
              default: '',
              description:
                "Key of the connection ids as 32 hex characters (`openssl rand -hex 16`); instances given the same key accept one another's ids. Empty = random per process. Never printed.",
            },
          },
        },
      },
    },
    ws: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: {
          type: 'boolean',
          default: true,
          description:
            'Serve the WebSocket tracker (WebTorrent) at `ws://host:http.port/announce`; needs the HTTP tracker.',
        },
        maxConnections: {
          type: 'integer',
          minimum: 1,
          default: 10000,
          description: 'Most open WebSocket connections; beyond it an upgrade gets 503.',
        },
        maxConnectionsPerIp: {
          type: 'integer',
          minimum: 0,
          default: 16,
          description:
            'Most WebSocket connections from one IPv4 address or IPv6 /64 (beyond it 429); 0 = no cap.',
        },
        maxMessageBytes: {
          type: 'integer',
          minimum: 1024,
          maximum: 16777216,
          default: 65536,
          description: 'Largest WebSocket message; a larger one closes the connection (1009).',
        },
        maxOffers: {
          type: 'integer',
          minimum: 1,
          maximum: 100,
          default: 10,
          description: 'Most WebRTC offers in one announce; more gets a failure reason.',
        },
        maxTorrentsPerConnection: {
          type: 'integer',
          minimum: 1,
          default: 100,
          description: 'Most torrents one WebSocket connection may announce in.',
        },
        idleTimeout: {
          type: ['string', 'number'],
          duration: true,
          minimum: 5,
          default: '1m',
          description: 'A connection silent this long (no message, no pong to our pings) is closed.',
        },
        maxBufferedBytes: {
          type: 'integer',
          minimum: 65536,
          default: 1048576,
          description: 'Most bytes queued to one connection; a slower reader is closed instead of buffered.',
        },
      },
    },
    numwant: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        default: {
          type: 'integer',
          minimum: 0,
          default: 50,
          description: 'Peers returned when the client does not say how many it wants.',
        },
        limit: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 200,
          description: 'Most peers ever returned.',
        },
      },
    },
    scrape: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxHashes: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 100,
          description: 'Most info_hashes in one HTTP scrape (UDP is bounded by BEP 15 at 74).',
        },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        peersPerIp: {
          type: 'integer',
          minimum: 0,
          default: 0,
          description:
            'Most peers one IPv4 address or IPv6 /64 may have in one torrent (a new one beyond it gets a failure reason); 0 = no cap. Public: 16.',
        },
        announceRate: {
          type: 'number',
          minimum: 0,
          default: 0,
          description:
            'Announces per second allowed from one IPv4 address or IPv6 /64 (HTTP and UDP together); 0 = no limit. Public: 10.',
        },
        announceBurst: {
          type: 'integer',
          minimum: 0,
          default: 0,
          description:
            'Announces one address may send at once before `limits.announceRate` applies; 0 = twice the rate (at least 1). Public: 100.',
        },
        rateTableSize: {
          type: 'integer',
          minimum: 1024,
          maximum: 16777216,
          default: 65536,
          description:
            'Addresses the rate limiter remembers (fixed memory, about 25 bytes each); when full, the longest-idle one is forgotten.',
        },
        maxHeaderSize: {
          type: 'integer',
          minimum: 1024,
          maximum: 1048576,
          default: 16384,
          description:
            'Largest HTTP request line plus headers in bytes (larger gets 431); a scrape needs about 70 bytes per info_hash.',
        },
        requestTimeout: {
          type: ['string', 'number'],
          duration: true,
          minimum: 0.1,
          maximum: 3600,
          default: '10s',
          description: 'Time allowed to send a whole HTTP request (slow senders get 408 and are cut off).',
        },
        idleTimeout: {
          type: ['string', 'number'],
          duration: true,
          minimum: 0.1,
          maximum: 3600,
          default: '30s',
          description: 'How long an idle keep-alive HTTP connection is kept open.',
        },
        maxConnections: {
          type: 'integer',
          minimum: 0,
          default: 10000,
          description:
            'Most concurrent HTTP connections; further ones are closed at once. 0 = no cap (the open-file limit still applies).',
        },
        denylist: {
          type: 'string',
          default: '',
          description:
            'File of hex info_hashes (one per line, `#` comments) that are refused and never stored; empty = none. Reloaded on SIGHUP and when the file changes.',
        },
        allowlist: {
          type: 'string',
          default: '',
          description:
            'File of hex info_hashes; when set, only these are tracked (private or curated trackers). Reloaded like `limits.denylist`.',
        },
        listPoll: {
          type: ['string', 'number'],
          duration: true,
          minimum: 0,
          default: '5s',
          description: 'How often the list files are checked for changes; 0 = reload on SIGHUP only.',
        },
      },
    },
    db: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        type: {
          type: 'string',
          enum: ['memory', 'redis'],
          default: 'memory',
          description:
            'Where swarms live: `memory` (this process, fastest) or `redis` (shared by every instance pointed at one Redis or Valkey; see "Sharing swarms through Redis").',
        },
        redis: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            url: {
              type: 'string',
              default: 'redis://127.0.0.1:6379',
              description:
                'Redis to use with `db.type: redis`: `redis://[user:password@]host[:port][/db]`, `rediss://…` (TLS) or `unix:///path/redis.sock?db=N`.',
            },
            cluster: {
              type: 'boolean',
              default: false,
              description:
                'Redis Cluster: `db.redis.url` names one node (`redis://` or `rediss://`, database 0), the others are found from it; see "Sharing swarms through Redis".',
            },
            prefix: {
              type: 'string',
              default: 'trakx:',
              description:
                'Start of every key trakx writes (several trackers may share one Redis with different prefixes); no `{` or `}`.',
            },
            timeout: {
              type: ['string', 'number'],
              duration: true,
              minimum: 0.01,
              maximum: 60,
              default: '2s',
              description:
                'Longest wait for a Redis reply; past it the announce or scrape gets a failure with `retry in` (HTTP) or an error packet (UDP).',
            },
            maxInFlight: {
              type: 'integer',
              minimum: 1,
              maximum: 1048576,
              default: 16384,
              description:
                'Most Redis requests waiting for a reply; beyond it a request fails at once (no queue builds up while Redis is slow).',
            },
            tlsCa: {
              type: 'string',
              default: '',
              description:
                'PEM file of the CA that signed the Redis server certificate (`rediss://`); empty = system CAs.',
            },
            tlsCert: {
              type: 'string',
              default: '',
              description: 'PEM client certificate for `rediss://` (with `db.redis.tlsKey`); empty = none.',
            },
            tlsKey: {
              type: 'string',
              default: '',
              description: 'PEM private key of `db.redis.tlsCert`; empty = none.',
            },
          },
        },
        expiry: {
          type: ['string', 'number'],
          duration: true,
          minimum: 0,
          default: 0,
          description: 'Peer lifetime without a re-announce; 0 means announce.base + announce.fuzz + 5m.',
        },
        trim: {
          type: ['string', 'number'],
          duration: true,
          minimum: 1,
          default: '1m',
          description: 'How often the expiry sweep walks the store (in small slices, never a full stop).',
        },
        maxPeersPerTorrent: {
          type: 'integer',
          minimum: 1,
          // The store keeps list positions in 24 bits (app/swarm/peer-arena.ts).
          maximum: 16777215,
          default: 50000,
          description: 'Peers kept per torrent and address family; a new peer beyond it evicts the stalest.',
        },
        maxTorrents: {
          type: 'integer',
          minimum: 1,
          // The store keeps torrent ids in 24 bits (app/swarm/peer-arena.ts).
          maximum: 16777215,
          default: 2000000,
          description:
            'Torrents kept, count-only records included; when full, the longest-idle count-only record makes room, else a new torrent gets a failure reason.',
        },
        backup: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            interval: {
              type: ['string', 'number'],
              duration: true,
              minimum: 0,
              default: '5m',
              description: 'How often the swarms are saved to disk; 0 turns periodic saves off.',
            },
            path: {
              type: 'string',
              default: '~/.cache/trakx/trakx.db',
              description: 'Snapshot file (`~` is the home directory); empty turns saving and restoring off.',
            },
          },
        },
      },
    },
    events: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        stream: {
          type: 'string',
          default: '',
          description:
            'With `db.type: redis`, the Redis Stream every announce is appended to (info_hash, event, family, seeder, time); empty = off.',
        },
        maxLen: {
          type: 'integer',
          minimum: 1,
          default: 100000,
          description: 'About how many events the stream keeps (`XADD … MAXLEN ~`); older ones are trimmed.',
        },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: {
          type: 'boolean',
          default: true,
          description:
            'Count requests and serve `/metrics` (Prometheus) and `/stats` (expvar JSON for netdata).',
        },
        ip: {
          type: 'string',
          default: '127.0.0.1',
          description: 'Address of the separate metrics listener (used when `metrics.port` is not 0).',
        },
        port: {
          type: 'integer',
          minimum: 0,
          maximum: 65535,
          default: 0,
          description:
            '0 serves `/metrics` and `/stats` on the HTTP tracker port; any other port serves them on that port of `metrics.ip` instead, so they need not be public.',
        },
        histogram: {
          type: 'boolean',
          default: true,
          description:
            'Keep the request-duration histogram `trakx_request_duration_seconds` (one clock read per request).',
        },
      },
    },
    path: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        pid: {
          type: 'string',
          default: '~/.cache/trakx/trakx.pid',
          description: 'Pid file written by `trakx start`.',
        },
        log: {
          type: 'string',
          default: '~/.cache/trakx/trakx.log',
          description: 'Log file used by `trakx start`.',
        },
      },
    },
  },
} as const;
