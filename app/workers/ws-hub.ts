// The main thread's WebSocket hub with worker threads: one RtcHub over every worker's
// connections, so browsers whose sockets landed on different workers meet. Each worker
// connection is a stand-in here (worker index + the worker's connection id) whose texts
// are posted back to that worker; a worker that exits takes its connections' peers along.

import type { RtcConn, RtcHub } from '../frontend/ws/hub.ts';
import type { WsAction, WsResult } from '../frontend/ws/options.ts';
import type { RtcPeer } from '../frontend/ws/swarms.ts';
import type { ToWorker, WsToHub } from './messages.ts';

type Post = (worker: number, msg: ToWorker) => void;

class WorkerConn implements RtcConn {
  peers: RtcPeer[] = [];
  constructor(
    readonly id: number,
    private readonly worker: number,
    private readonly post: Post,
  ) {}
  deliver(text: string): void {
    this.post(this.worker, { type: 'wsSend', conn: this.id, text });
  }
}

export class WorkerWsHub {
  private readonly conns = new Map<number, Map<number, WorkerConn>>();
  /** Per worker, the one callback that posts a message's outcome back to it. */
  private readonly dones = new Map<number, (action: WsAction, result: WsResult) => void>();

  constructor(
    readonly hub: RtcHub,
    private readonly post: Post,
  ) {}

  /** One relayed message of worker `worker` (ws-relay.ts). */
  handle(worker: number, msg: WsToHub): void {
    let mine = this.conns.get(worker);
    if (mine === undefined) {
      mine = new Map();
      this.conns.set(worker, mine);
      this.dones.set(worker, (action, result) => this.post(worker, { type: 'wsDone', action, result }));
    }
    if (msg.op === 'drop') {
      const c = mine.get(msg.conn);
      if (c === undefined) return;
      mine.delete(msg.conn);
      this.hub.drop(c);
      return;
    }
    let c = mine.get(msg.conn);
    if (c === undefined) {
      c = new WorkerConn(msg.conn, worker, this.post);
      mine.set(msg.conn, c);
    }
    const done = this.dones.get(worker)!;
    if (msg.op === 'announce') this.hub.announce(c, msg.req, done);
    else this.hub.scrape(c, msg.req, done);
  }

  /** Worker `worker` exited: its connections are gone, and their peers with them. */
  dropWorker(worker: number): void {
    const mine = this.conns.get(worker);
    if (mine === undefined) return;
    this.conns.delete(worker);
    for (const c of mine.values()) this.hub.drop(c);
  }

  close(): void {
    this.hub.close();
  }
}
