// A worker thread's WebSocket hub: its WsTracker keeps the sockets, parsing, per-connection
// limits and checks, and relays each checked announce, scrape and close to the main
// thread's hub (ws-hub.ts), which holds the one set of WebRTC swarms. The hub answers with
// "deliver this text to connection c" and "count this message".

import type { Done, RtcConn, WsHub } from '../frontend/ws/hub.ts';
import type { WsAction, WsResult } from '../frontend/ws/options.ts';
import type { WsAnnounce, WsScrape } from '../frontend/ws/parse.ts';
import type { FromWorker } from './messages.ts';

export class WsRelay implements WsHub {
  /** The connections the hub may name, from their first relayed message to their close. */
  private readonly conns = new Map<number, RtcConn>();
  private count: Done = () => {};

  constructor(private readonly post: (msg: FromWorker) => void) {}

  announce(c: RtcConn, req: WsAnnounce, done: Done): void {
    this.count = done;
    this.conns.set(c.id, c);
    this.post({ type: 'ws', op: 'announce', conn: c.id, req });
  }

  scrape(c: RtcConn, req: WsScrape, done: Done): void {
    this.count = done;
    this.conns.set(c.id, c);
    this.post({ type: 'ws', op: 'scrape', conn: c.id, req });
  }

  drop(c: RtcConn): void {
    if (this.conns.delete(c.id)) this.post({ type: 'ws', op: 'drop', conn: c.id, req: null });
  }

  /** The hub's text for connection `conn` (gone already: dropped). */
  deliver(conn: number, text: string): void {
    this.conns.get(conn)?.deliver(text);
  }

  counted(action: WsAction, result: WsResult): void {
    this.count(action, result);
  }
}
