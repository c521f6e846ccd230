// Redis Cluster routing: the slot → primary table, discovered with CLUSTER SLOTS through
// the seed node (db.redis.url) and any node since, and one RedisConnection per primary
// (same auth, TLS and timeouts as the seed). Requests go to the node of their first key's
// slot; a MOVED reply fixes that slot and re-sends the same bytes there (and refreshes
// the whole table soon), ASK re-sends them once after ASKING without touching the table,
// TRYAGAIN re-sends after a pause, CLUSTERDOWN fails the request as unavailable. The table
// is also re-read periodically and whenever a node connection drops, so a failover is found.

import { performance } from 'node:perf_hooks';
import type { RespError, RespValue } from '../../protocol/resp.ts';
import {
  type Redirected,
  RedisConnection,
  type RedisConnectionOptions,
  RedisUnavailableError,
} from './connection.ts';
import { keySlot, SLOTS } from './slot.ts';

/** Most redirects one request may follow before it fails. */
const MAX_HOPS = 5;
/** Pause before re-sending after TRYAGAIN, or while a node just named is connecting, ms. */
const RETRY_PAUSE_MS = 25;
/** Debounce of table refreshes asked for by redirects and dropped connections, ms. */
const REFRESH_SOON_MS = 100;
const REFRESH_EVERY_MS = 30_000;
/** Re-reading while a primary is unreachable or a slot uncovered, until a failover shows. */
const REFRESH_WHILE_DOWN_MS = 1000;

export class RedisCluster {
  /** Slot → connection of its primary; null while no node serves it. */
  private readonly table: (RedisConnection | null)[] = new Array(SLOTS).fill(null);
  /** host:port → connection, for every node named by the table or a redirect. */
  private readonly nodes = new Map<string, RedisConnection>();
  private readonly seed: RedisConnection;
  private primaries: RedisConnection[] = [];
  private covered = false;
  private wasUp = false;
  private closing = false;
  private refreshing = false;
  private soon: NodeJS.Timeout | null = null;
  private readonly every: NodeJS.Timeout;
  private readonly noNode = new RedisUnavailableError('redis: no cluster node serves that slot (yet)');
  private readonly timeout: number;

  constructor(private readonly opts: RedisConnectionOptions) {
    this.timeout = opts.timeout ?? 2000;
    this.seed = this.open(opts.url);
    const t = this.seed.target;
    this.nodes.set(`${t.host}:${t.port}`, this.seed);
    this.every = setInterval(() => this.refresh(), REFRESH_EVERY_MS);
    this.every.unref();
  }

  /** The connection serving `slot`, or null when no node is known for it. */
  route(slot: number): RedisConnection | null {
    return this.table[slot];
  }

  /** Why a request for `slot` cannot be queued now, or null (then encode into route(slot)). */
  refusal(slot: number): Error | null {
    const c = this.table[slot];
    return c === null ? this.noNode : c.refusal();
  }

  /** Every slot has a primary and every primary's connection is up. */
  get up(): boolean {
    if (!this.covered) return false;
    for (const c of this.primaries) if (!c.up) return false;
    return true;
  }

  /** The primaries' addresses, host:port (for messages). */
  describe(): string {
    if (this.primaries.length === 0) {
      const t = this.seed.target;
      return `${t.host}:${t.port} (seed)`;
    }
    return this.primaries.map((c) => `${c.target.host}:${c.target.port}`).join(', ');
  }

  /** A whole command to the node of `slot` (not for hot paths). */
  command(slot: number, args: readonly (string | number | Uint8Array)[]): Promise<RespValue> {
    const c = this.table[slot];
    return c === null ? Promise.reject(this.noNode) : c.command(args);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.every);
    if (this.soon !== null) clearTimeout(this.soon);
    const all = new Set([this.seed, ...this.nodes.values()]);
    await Promise.all([...all].map((c) => c.close()));
  }

  private open(url: string): RedisConnection {
    return new RedisConnection({
      ...this.opts,
      url,
      onState: (up) => {
        // A node that went away may have failed over; one that came back may fill holes.
        if (!up || !this.covered) this.refreshSoon();
        this.tell();
      },
      onRedirect: this.redirect,
    });
  }

  /** Reports a change of the whole cluster's state to the owner. */
  private tell(): void {
    const up = this.up;
    if (up === this.wasUp) return;
    this.wasUp = up;
    this.opts.onState?.(up);
  }

  /** The connection to host:port, opened if new. */
  private node(host: string, port: number): RedisConnection {
    const key = `${host}:${port}`;
    let c = this.nodes.get(key);
    if (c === undefined) {
      const u = new URL(this.opts.url);
      u.hostname = host.includes(':') ? `[${host}]` : host;
      u.port = String(port);
      u.pathname = '';
      c = this.open(u.toString());
      this.nodes.set(key, c);
    }
    return c;
  }

  private refreshSoon(ms = REFRESH_SOON_MS): void {
    if (this.soon !== null || this.closing) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      this.refresh();
    }, ms);
    this.soon.unref();
  }

  /** Re-reads the table through the seed, or any node that is up. */
  private refresh(): void {
    if (this.refreshing || this.closing) return;
    let via: RedisConnection | null = this.seed.up ? this.seed : null;
    for (const c of this.nodes.values()) if (via === null && c.up) via = c;
    if (via === null) {
      this.refreshSoon(REFRESH_WHILE_DOWN_MS);
      return;
    }
    this.refreshing = true;
    const from = via;
    from
      .command(['CLUSTER', 'SLOTS'])
      .then((v) => this.apply(v, from.target.host))
      .catch((err: Error) => {
        this.opts.onError?.(new RedisUnavailableError(`redis: CLUSTER SLOTS failed: ${err.message}`));
        this.refreshSoon(REFRESH_WHILE_DOWN_MS);
      })
      .finally(() => {
        this.refreshing = false;
      });
  }

  /** Takes a CLUSTER SLOTS reply as the table; `asked` is the host of the node that sent it. */
  private apply(reply: RespValue, asked: string): void {
    if (!Array.isArray(reply)) throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
    const next: (RedisConnection | null)[] = new Array(SLOTS).fill(null);
    for (const range of reply) {
      if (!Array.isArray(range) || range.length < 3 || !Array.isArray(range[2])) continue;
      const [from, to] = range as number[];
      const primary = range[2] as RespValue[];
      // An empty or "?" host means the address the reply came from.
      let host = String(primary[0] ?? '');
      if (host === '' || host === '?') host = asked;
      const c = this.node(host, Number(primary[1]));
      for (let s = from; s <= to && s < SLOTS; s++) next[s] = c;
    }
    const used = new Set<RedisConnection>();
    let covered = true;
    for (let s = 0; s < SLOTS; s++) {
      const c = next[s];
      this.table[s] = c;
      if (c === null) covered = false;
      else used.add(c);
    }
    this.covered = covered;
    this.primaries = [...used];
    // Nodes no longer primaries finish what they have in flight (they answer MOVED), then go.
    for (const [key, c] of this.nodes) {
      if (used.has(c) || c === this.seed) continue;
      this.nodes.delete(key);
      setTimeout(() => c.close(), this.timeout).unref();
    }
    if (!this.up) this.refreshSoon(REFRESH_WHILE_DOWN_MS);
    this.tell();
  }

  /** A MOVED, ASK, TRYAGAIN or CLUSTERDOWN reply to a request sent to some node. */
  private readonly redirect = (reply: RespError, req: Redirected): void => {
    const m = reply.message;
    const fail = (why: string): void => {
      const err = new RedisUnavailableError(`redis: ${why}`);
      req.handler(err, null, req.ctx);
      this.opts.onError?.(err);
    };
    if (m.startsWith('CLUSTERDOWN')) {
      this.refreshSoon();
      fail(m);
      return;
    }
    if (m.startsWith('TRYAGAIN')) {
      // A multi-key request in a slot being migrated, until the move is done: tried again
      // while its timeout allows (which bounds the ASK / TRYAGAIN loop, hence no hop
      // count), on whichever node then serves the slot of the request's first key.
      req.hops = 0;
      if (performance.now() + RETRY_PAUSE_MS > req.sent + this.timeout) {
        fail(`still ${m} at the end of the timeout`);
        return;
      }
      const slot = firstKeySlot(req.bytes);
      this.later(() => {
        const c = slot < 0 ? null : this.table[slot];
        if (c === null) fail(`no node for slot ${slot} after TRYAGAIN`);
        else this.deliver(c, req, false);
      });
      return;
    }
    if (req.hops > MAX_HOPS) {
      this.refreshSoon();
      fail(`still redirected after ${MAX_HOPS} redirects (${m})`);
      return;
    }
    // MOVED <slot> <host:port> or ASK <slot> <host:port>
    const parts = m.split(' ');
    const slot = Number(parts[1]);
    const at = parts[2] ?? '';
    const colon = at.lastIndexOf(':');
    if (parts.length < 3 || colon < 0 || !(slot >= 0 && slot < SLOTS)) {
      fail(`unreadable redirect: ${m}`);
      return;
    }
    const host = at.slice(0, colon).replace(/^\[|\]$/g, '');
    const c = this.node(host, Number(at.slice(colon + 1)));
    const ask = parts[0] === 'ASK';
    if (!ask) {
      this.table[slot] = c;
      this.refreshSoon();
    }
    this.deliver(c, req, ask);
  };

  /** Resend on `c`; a connection still coming up is waited for within the request's timeout. */
  private deliver(c: RedisConnection, req: Redirected, asking: boolean): void {
    if (c.up || performance.now() + RETRY_PAUSE_MS > req.sent + this.timeout || this.closing) {
      c.resend(req, asking);
      return;
    }
    this.later(() => this.deliver(c, req, asking));
  }

  private later(run: () => void): void {
    setTimeout(run, RETRY_PAUSE_MS).unref();
  }
}

/**
 * The slot of the first key of a request's bytes (EVALSHA's first key, else the
 * command's first argument), or -1; used only on the rare TRYAGAIN path.
 */
export function firstKeySlot(bytes: Buffer): number {
  const args: Buffer[] = [];
  let at = bytes.indexOf('\r\n') + 2;
  while (at > 1 && at < bytes.length && args.length < 4) {
    const end = bytes.indexOf('\r\n', at);
    const len = Number(bytes.toString('latin1', at + 1, end));
    args.push(bytes.subarray(end + 2, end + 2 + len));
    at = end + 4 + len;
  }
  const name = args[0]?.toString('latin1').toUpperCase();
  const key = name === 'EVALSHA' || name === 'EVAL' ? args[3] : args[1];
  return key === undefined ? -1 : keySlot(key);
}
