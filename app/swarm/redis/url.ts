// Where and how to reach Redis, from one URL: redis://[user:password@]host[:port][/db],
// rediss://… for TLS, and unix:///path/to/redis.sock?db=N&user=…&password=… (or
// redis+unix:///path…) for a local socket.

export interface RedisTarget {
  /** TCP host (IPv6 without brackets); empty for a unix socket. */
  host: string;
  port: number;
  /** Unix socket path; empty for TCP. */
  path: string;
  tls: boolean;
  /** AUTH user (Redis 6 ACL), empty for the default user. */
  user: string;
  /** AUTH password; empty for none. */
  password: string;
  /** SELECT index; 0 needs no SELECT. */
  db: number;
}

function dbIndex(text: string, url: string): number {
  if (text === '') return 0;
  if (!/^\d{1,5}$/.test(text))
    throw new Error(`redis url ${redact(url)}: database "${text}" is not a number`);
  return Number(text);
}

/** The URL with its password replaced, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@').replace(/([?&]password=)[^&]*/, '$1***');
}

export function parseRedisUrl(text: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`redis url ${redact(text)}: not a URL`);
  }
  const user = decodeURIComponent(u.username) || (u.searchParams.get('user') ?? '');
  const password = decodeURIComponent(u.password) || (u.searchParams.get('password') ?? '');
  if (u.protocol === 'unix:' || u.protocol === 'redis+unix:') {
    const path = decodeURIComponent(u.pathname);
    if (path === '' || path === '/') throw new Error(`redis url ${redact(text)}: no socket path`);
    return {
      host: '',
      port: 0,
      path,
      tls: false,
      user,
      password,
      db: dbIndex(u.searchParams.get('db') ?? '', text),
    };
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`redis url ${redact(text)}: scheme must be redis:, rediss:, unix: or redis+unix:`);
  }
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return {
    host: host || '127.0.0.1',
    port: u.port === '' ? 6379 : Number(u.port),
    path: '',
    tls: u.protocol === 'rediss:',
    user,
    password,
    db: dbIndex(u.pathname.replace(/^\//, '') || (u.searchParams.get('db') ?? ''), text),
  };
}
