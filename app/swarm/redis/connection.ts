// One pipelined connection to Redis. Requests are encoded straight into a shared
// RespWriter and all those of one event-loop turn leave in a single write; replies come
// back in order and answer the oldest pending request. Nothing waits in an offline
// queue: while not connected, or with `maxInFlight` requests pending, a request fails
// at once. Each request fails after `timeout` ms without a reply; a connection that
// then has received nothing for that long is dropped and re-established with backoff.
// Scripts are loaded on every (re)connect; a NOSCRIPT reply (SCRIPT FLUSH, failover)
// loads the script again and re-sends the same request bytes, once. In Redis Cluster a
// MOVED, ASK, TRYAGAIN or CLUSTERDOWN reply goes to `onRedirect` with those same bytes.

import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type ConnectionOptions as TlsOptions, connect as tlsConnect } from 'node:tls';
import { RespError, RespParser, type RespValue, RespWriter } from '../../protocol/resp.ts';
import type { Script } from './script.ts';
import { parseRedisUrl, type RedisTarget, redact } from './url.ts';

/** Called once per request: `err` set on failure (error reply, timeout, disconnect). */
export type ReplyHandler<C> = (err: Error | null, value: RespValue, ctx: C) => void;

export interface RedisConnectionOptions {
  url: string;
  /** Milliseconds a request may wait for its reply (default 2000). */
  timeout?: number;
  /** Most requests pending at once; beyond it a request fails at once (default 16384). */
  maxInFlight?: number;
  /** First and longest pause between reconnect attempts, ms (default 50 and 2000). */
  reconnectMin?: number;
  reconnectMax?: number;
  /** Extra TLS options for rediss:// (ca, cert, key, rejectUnauthorized…). */
  tls?: TlsOptions;
  /** Scripts to load on each connect (more can be added with addScript). */
  scripts?: Script[];
  /** Seconds from send to reply, per answered request. */
  onLatency?: (seconds: number) => void;
  /** Every failed request (after its handler ran) and every connection error. */
  onError?: (err: Error) => void;
  /** The connection became usable (true) or stopped being so (false). */
  onState?: (up: boolean) => void;
  /**
   * Cluster mode: a MOVED, ASK, TRYAGAIN or CLUSTERDOWN reply (`reply`) to `req`; the hook
   * now owns the request and must resend or fail it. Absent: such replies are errors.
   */
  onRedirect?: (reply: RespError, req: Redirected) => void;
}

/** The error replies a Redis Cluster node answers a misrouted or unservable request with. */
const REDIRECT = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;

/** A request answered with a cluster redirect, to be sent again (resend()) or failed. */
export interface Redirected {
  /** The request exactly as it was sent. */
  bytes: Buffer;
  handler: ReplyHandler<unknown>;
  ctx: unknown;
  script: Script | null;
  /** When it was first sent (performance.now()): its timeout runs from then. */
  sent: number;
  /** Redirects it has had, this one included. */
  hops: number;
}

/** Why Redis gave no reply: too slow, not connected, or too many requests in flight. */
export type UnavailableReason = 'timeout' | 'down' | 'overload';

/** Why a request failed without a reply from Redis. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
  constructor(
    message: string,
    readonly reason: UnavailableReason = 'down',
  ) {
    super(message);
  }
}

const noop = (): void => {};

export class RedisConnection {
  readonly target: RedisTarget;
  readonly timeout: number;
  readonly maxInFlight: number;
  /** Where requests are encoded; use through begin()/send(). */
  readonly writer = new RespWriter();
  private readonly parser: RespParser;
  private readonly scripts = new Map<string, Script>();

  // Pending requests: a ring of `maxInFlight` slots, oldest at `head`.
  private readonly handlers: (ReplyHandler<unknown> | null)[];
  private readonly ctxs: unknown[];
  private readonly sent: Float64Array;
  private readonly batches: (Buffer | null)[];
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly scriptOf: (Script | null)[];
  private readonly retried: Uint8Array;
  private readonly hops: Uint8Array;
  private head = 0;
  private count = 0;
  /** Pending requests not yet in a batch (encoded since the last flush). */
  private unflushed = 0;
  /** Oldest pending request not yet timed out, as an offset from head. */
  private live = 0;

  private socket: Socket | null = null;
  private ready = false;
  private closing = false;
  private flushQueued = false;
  private timer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private lastData = 0;
  /** Why the socket is being dropped, when it is on purpose. */
  private dropReason: string | null = null;
  private closed: Promise<void> | null = null;
  private readonly hooks: Pick<
    RedisConnectionOptions,
    'onLatency' | 'onError' | 'onState' | 'onRedirect' | 'tls'
  >;

  constructor(opts: RedisConnectionOptions) {
    this.target = parseRedisUrl(opts.url);
    this.timeout = opts.timeout ?? 2000;
    this.maxInFlight = opts.maxInFlight ?? 16384;
    this.reconnectMin = opts.reconnectMin ?? 50;
    this.reconnectMax = opts.reconnectMax ?? 2000;
    this.hooks = opts;
    const n = this.maxInFlight;
    this.handlers = new Array(n).fill(null);
    this.ctxs = new Array(n).fill(null);
    this.sent = new Float64Array(n);
    this.batches = new Array(n).fill(null);
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.scriptOf = new Array(n).fill(null);
    this.retried = new Uint8Array(n);
    this.hops = new Uint8Array(n);
    for (const s of opts.scripts ?? []) this.scripts.set(s.sha, s);
    this.parser = new RespParser((v) => this.reply(v));
    this.closedError = new RedisUnavailableError('redis: connection closed');
    this.downError = new RedisUnavailableError(`redis: not connected to ${this.describe()}`);
    this.capError = new RedisUnavailableError(
      `redis: ${this.maxInFlight} requests already in flight (the cap)`,
      'overload',
    );
    this.connect();
  }

  private readonly reconnectMin: number;
  private readonly reconnectMax: number;
  private readonly closedError: Error;
  private readonly downError: Error;
  private readonly capError: Error;

  /** Connected, handshake done, and not stuck on a request that timed out. */
  get up(): boolean {
    return this.ready && this.live === 0;
  }

  /** Requests waiting for a reply (timed-out ones included, until Redis answers them). */
  get pending(): number {
    return this.count;
  }

  addScript(s: Script): void {
    if (this.scripts.has(s.sha)) return;
    this.scripts.set(s.sha, s);
    // When the cap is reached, the first NOSCRIPT loads it instead.
    if (this.refusal() === null) this.loadScript(s);
  }

  /**
   * Why a request cannot be queued now, or null. Call before encoding; when null,
   * encode into `writer` and finish with send().
   */
  refusal(): Error | null {
    // Shared error objects: refusing costs nothing however many requests come.
    if (!this.ready) return this.closing ? this.closedError : this.downError;
    if (this.count >= this.maxInFlight) return this.capError;
    return null;
  }

  /**
   * Queue the request encoded into `writer` since `mark` (writer.length before
   * encoding). `script`, when the request is an EVALSHA of it, allows NOSCRIPT recovery.
   */
  send<C>(mark: number, handler: ReplyHandler<C>, ctx: C, script: Script | null = null): void {
    this.enqueue(mark, handler as ReplyHandler<unknown>, ctx, script, 0, performance.now(), 0);
  }

  /**
   * Send a redirected request here, after ASKING when `asking` (an ASK redirect); it keeps
   * its first send time, so its timeout still counts from then.
   */
  resend(req: Redirected, asking: boolean): void {
    const refused = this.refusal() ?? (asking && this.count + 2 > this.maxInFlight ? this.capError : null);
    if (refused !== null) {
      req.handler(refused, null, req.ctx);
      this.hooks.onError?.(refused);
      return;
    }
    const w = this.writer;
    if (asking) {
      const mark = w.length;
      w.array(1);
      w.str('ASKING');
      this.enqueue(mark, noop, null, null, 0, req.sent, 0);
    }
    const mark = w.length;
    w.raw(req.bytes, 0, req.bytes.length);
    this.enqueue(mark, req.handler, req.ctx, req.script, 0, req.sent, req.hops);
  }

  /** A whole command from plain arguments (not for hot paths). */
  command(args: readonly (string | number | Uint8Array)[]): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      const err = this.refusal();
      if (err !== null) {
        reject(err);
        return;
      }
      const w = this.writer;
      const mark = w.length;
      w.array(args.length);
      for (const a of args) {
        if (typeof a === 'string') w.str(a);
        else if (typeof a === 'number') w.int(a);
        else w.bytes(a, 0, a.length);
      }
      this.send(mark, (e, v) => (e === null ? resolve(v) : reject(e)), null);
    });
  }

  /** Stop: pending requests fail, no reconnect. Resolves once the socket is closed. */
  close(): Promise<void> {
    if (this.closed !== null) return this.closed;
    this.closing = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.closed = new Promise<void>((resolve) => {
      if (socket === null || socket.destroyed) {
        this.drop(new RedisUnavailableError('redis: connection closed'));
        resolve();
        return;
      }
      socket.once('close', () => resolve());
      socket.destroy();
    });
    return this.closed;
  }

  private describe(): string {
    const t = this.target;
    if (t.path !== '') return `unix:${t.path}`;
    return `${t.tls ? 'rediss' : 'redis'}://${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
  }

  private enqueue(
    mark: number,
    handler: ReplyHandler<unknown>,
    ctx: unknown,
    script: Script | null,
    retried: number,
    now: number,
    hops: number,
  ): void {
    const i = (this.head + this.count) % this.maxInFlight;
    this.handlers[i] = handler;
    this.ctxs[i] = ctx;
    this.sent[i] = now;
    this.batches[i] = null;
    this.starts[i] = mark;
    this.ends[i] = this.writer.length;
    this.scriptOf[i] = script;
    this.retried[i] = retried;
    this.hops[i] = hops;
    this.count++;
    this.unflushed++;
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
    if (this.timer === null) this.arm();
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.unflushed === 0) return;
    const batch = this.writer.take();
    const n = this.maxInFlight;
    for (let k = this.count - this.unflushed; k < this.count; k++) this.batches[(this.head + k) % n] = batch;
    this.unflushed = 0;
    const socket = this.socket;
    if (socket !== null && !socket.destroyed) socket.write(batch);
  };

  // ---- replies ----

  private reply(value: RespValue): void {
    // Replies still parsed from a chunk after the socket was dropped belong to nobody.
    if (this.socket === null || this.socket.destroyed) return;
    if (this.count === 0) {
      this.hooks.onError?.(new Error('redis: a reply nobody asked for; reconnecting'));
      this.socket?.destroy();
      return;
    }
    const i = this.head;
    const handler = this.handlers[i]!;
    const ctx = this.ctxs[i];
    const script = this.scriptOf[i];
    const batch = this.batches[i];
    const retried = this.retried[i];
    const hops = this.hops[i];
    const start = this.starts[i];
    const end = this.ends[i];
    const sent = this.sent[i];
    this.handlers[i] = null;
    this.ctxs[i] = null;
    this.batches[i] = null;
    this.scriptOf[i] = null;
    this.head = (i + 1) % this.maxInFlight;
    this.count--;
    if (this.live > 0) {
      // A request that timed out: its handler already ran.
      if (--this.live === 0 && this.ready) this.hooks.onState?.(true);
      return;
    }
    if (handler === noop) return;
    this.hooks.onLatency?.((performance.now() - sent) / 1000);
    if (value instanceof RespError) {
      if (script !== null && retried === 0 && batch !== null && value.message.startsWith('NOSCRIPT')) {
        this.retry(script, batch, start, end, handler, ctx, sent, hops);
        return;
      }
      const redirect = this.hooks.onRedirect;
      if (redirect !== undefined && batch !== null && REDIRECT.test(value.message)) {
        redirect(value, { bytes: batch.subarray(start, end), handler, ctx, script, sent, hops: hops + 1 });
        return;
      }
      handler(value, null, ctx);
      this.hooks.onError?.(value);
      return;
    }
    handler(null, value, ctx);
  }

  /** NOSCRIPT: load the script, then send the same request bytes again. */
  private retry(
    script: Script,
    batch: Buffer,
    start: number,
    end: number,
    handler: ReplyHandler<unknown>,
    ctx: unknown,
    sent: number,
    hops: number,
  ): void {
    if (this.count + 2 > this.maxInFlight || !this.ready) {
      const err = new RedisUnavailableError('redis: script was not loaded and could not be reloaded now');
      handler(err, null, ctx);
      this.hooks.onError?.(err);
      return;
    }
    this.loadScript(script);
    const w = this.writer;
    const mark = w.length;
    w.raw(batch, start, end);
    this.enqueue(mark, handler, ctx, script, 1, sent, hops);
  }

  private loadScript(s: Script): void {
    const w = this.writer;
    const mark = w.length;
    w.array(3);
    w.str('SCRIPT');
    w.str('LOAD');
    w.str(s.source);
    this.enqueue(mark, this.checkLoad, s, null, 0, performance.now(), 0);
  }

  private readonly checkLoad = (err: Error | null, value: RespValue, ctx: unknown): void => {
    const s = ctx as Script;
    if (err !== null)
      this.hooks.onError?.(new Error(`redis: SCRIPT LOAD of ${s.name} failed: ${err.message}`));
    else if (String(value) !== s.sha)
      this.hooks.onError?.(new Error(`redis: ${s.name} loaded under ${value}`));
  };

  // ---- timeouts ----

  private arm(): void {
    if (this.count - this.live === 0) return;
    const i = (this.head + this.live) % this.maxInFlight;
    const wait = Math.max(0, this.sent[i] + this.timeout - performance.now());
    this.timer = setTimeout(this.expire, wait + 1);
    this.timer.unref();
  }

  private readonly expire = (): void => {
    this.timer = null;
    const now = performance.now();
    const n = this.maxInFlight;
    let expired = 0;
    while (this.live < this.count) {
      const i = (this.head + this.live) % n;
      if (this.sent[i] + this.timeout > now) break;
      const handler = this.handlers[i]!;
      const ctx = this.ctxs[i];
      // The slot stays until Redis answers, so later replies still find their request.
      this.handlers[i] = noop;
      this.ctxs[i] = null;
      this.live++;
      expired++;
      if (handler !== noop) {
        const err = new RedisUnavailableError(`redis: no reply within ${this.timeout} ms`, 'timeout');
        handler(err, null, ctx);
        this.hooks.onError?.(err);
      }
    }
    if (expired > 0) {
      if (this.ready) this.hooks.onState?.(false);
      if (now - this.lastData >= this.timeout && this.socket !== null) {
        // Silent for a whole timeout: the requests behind these would time out as well.
        this.hooks.onError?.(
          new RedisUnavailableError(`redis: nothing received for ${this.timeout} ms; reconnecting`),
        );
        this.dropReason = `redis: no reply within ${this.timeout} ms`;
        this.socket.destroy();
        return;
      }
    }
    this.arm();
  };

  // ---- connection life ----

  private connect(): void {
    this.reconnectTimer = null;
    if (this.closing) return;
    const t = this.target;
    const socket: Socket = t.path
      ? netConnect({ path: t.path })
      : t.tls
        ? tlsConnect({
            host: t.host,
            port: t.port,
            servername: /^[\d.]+$|:/.test(t.host) ? undefined : t.host,
            ...this.hooks.tls,
          })
        : netConnect({ host: t.host, port: t.port });
    this.socket = socket;
    this.parser.reset();
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const connectTimer = setTimeout(() => {
      this.hooks.onError?.(new RedisUnavailableError(`redis: connecting to ${this.describe()} timed out`));
      socket.destroy();
    }, this.timeout);
    socket.once(t.tls && !t.path ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      this.lastData = performance.now();
      this.handshake();
    });
    socket.on('data', (chunk: Buffer) => {
      this.lastData = performance.now();
      try {
        this.parser.feed(chunk);
      } catch (err) {
        this.hooks.onError?.(err as Error);
        socket.destroy();
      }
    });
    socket.on('error', (err) => this.hooks.onError?.(new RedisUnavailableError(`redis: ${err.message}`)));
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.socket = null;
      const wasReady = this.ready;
      this.ready = false;
      this.drop(
        new RedisUnavailableError(
          this.closing ? 'redis: connection closed' : (this.dropReason ?? 'redis: connection lost'),
          this.dropReason !== null && !this.closing ? 'timeout' : 'down',
        ),
      );
      this.dropReason = null;
      if (wasReady) this.hooks.onState?.(false);
      if (this.closing) return;
      const delay = Math.min(this.reconnectMax, this.reconnectMin * 2 ** this.attempts);
      this.attempts = Math.min(this.attempts + 1, 30);
      this.reconnectTimer = setTimeout(() => this.connect(), delay * (0.5 + Math.random() / 2));
    });
  }

  /** AUTH, SELECT and the scripts, pipelined; usable once all have answered. */
  private handshake(): void {
    const t = this.target;
    const w = this.writer;
    const steps: (() => void)[] = [];
    let left = 0;
    let failed = false;
    const done = (err: Error | null): void => {
      if (failed) return;
      if (err !== null) {
        failed = true;
        this.hooks.onError?.(
          new RedisUnavailableError(`redis: handshake with ${redact(this.describe())}: ${err.message}`),
        );
        this.socket?.destroy();
        return;
      }
      if (--left > 0) return;
      this.ready = true;
      this.attempts = 0;
      this.hooks.onState?.(true);
    };
    const step = (args: string[]): void => {
      steps.push(() => {
        const mark = w.length;
        w.array(args.length);
        for (const a of args) w.str(a);
        this.enqueue(mark, done, null, null, 0, performance.now(), 0);
      });
    };
    if (t.password !== '') step(t.user !== '' ? ['AUTH', t.user, t.password] : ['AUTH', t.password]);
    if (t.db !== 0) step(['SELECT', String(t.db)]);
    for (const s of this.scripts.values()) step(['SCRIPT', 'LOAD', s.source]);
    step(['PING']);
    left = steps.length;
    for (const run of steps) run();
  }

  /** Fail every pending request (the connection is gone). */
  private drop(err: Error): void {
    // Encoded but never sent: forget the bytes too.
    if (this.unflushed > 0) {
      this.writer.rewind(0);
      this.unflushed = 0;
    }
    const n = this.maxInFlight;
    while (this.count > 0) {
      const i = this.head;
      const handler = this.handlers[i]!;
      const ctx = this.ctxs[i];
      this.handlers[i] = null;
      this.ctxs[i] = null;
      this.batches[i] = null;
      this.scriptOf[i] = null;
      this.head = (i + 1) % n;
      this.count--;
      if (handler !== noop) {
        handler(err, null, ctx);
        this.hooks.onError?.(err);
      }
    }
    this.live = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
