// A plain node:http server with a WsTracker attached, and a raw WebSocket client that
// queues what it receives, for the WebSocket tracker's tests.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import type { WsTrackerOptions } from '../../app/frontend/ws/options.ts';
import { WsTracker } from '../../app/frontend/ws/ws-tracker.ts';

export interface Harness {
  server: Server;
  tracker: WsTracker;
  /** ws://host:port/announce */
  url: string;
  /** http://host:port */
  base: string;
  close(): Promise<void>;
}

/** Plain GETs answer `plain <url>`, as a stand-in for the HTTP tracker on the same port. */
export async function startTracker(host: string, options: Partial<WsTrackerOptions> = {}): Promise<Harness> {
  const server = createServer((req, res) => res.end(`plain ${req.url}`));
  const tracker = new WsTracker(options);
  tracker.attach(server);
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    tracker,
    url: `ws://${h}:${port}/announce`,
    base: `http://${h}:${port}`,
    async close() {
      tracker.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A raw client: `next()` is the next message parsed from JSON. */
export class RawClient {
  readonly ws: WebSocket;
  private readonly queue: unknown[] = [];
  private waiter: ((m: unknown) => void) | null = null;
  closed: Promise<number>;

  constructor(url: string, opts: ConstructorParameters<typeof WebSocket>[2] = {}) {
    this.ws = new WebSocket(url, opts);
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (this.waiter !== null) {
        const w = this.waiter;
        this.waiter = null;
        w(m);
      } else this.queue.push(m);
    });
    this.closed = new Promise((r) => this.ws.on('close', (code) => r(code)));
  }

  static async open(url: string, opts?: ConstructorParameters<typeof WebSocket>[2]): Promise<RawClient> {
    const c = new RawClient(url, opts);
    await once(c.ws, 'open');
    return c;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
  next(ms = 5000): Promise<any> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = null;
        reject(new Error('no message within the wait'));
      }, ms);
      this.waiter = (m) => {
        clearTimeout(t);
        resolve(m);
      };
    });
  }

  /** Nothing arrives within `ms`. */
  async silent(ms = 200): Promise<void> {
    await assert.rejects(this.next(ms), /no message/);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Upgrade refused: the HTTP status the server answered. */
export function refusedStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.on('error', () => {});
  });
}

export const bin = (c: string) => c.repeat(20);
